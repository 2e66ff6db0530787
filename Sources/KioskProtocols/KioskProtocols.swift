// GA 467 and ESC/POS codecs live here (issues 3 and 4).
