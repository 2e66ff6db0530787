// Byte-exact device simulators live here (issues 3 and 4).
