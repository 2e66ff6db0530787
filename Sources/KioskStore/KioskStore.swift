// The SQLite store lives here (issue 6).
