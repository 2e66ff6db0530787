// Licence PDF, receipt and ticket layouts and the QR encoder live here (issues 4 and 5).
