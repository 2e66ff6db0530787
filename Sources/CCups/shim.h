#include <cups/cups.h>
#include <cups/ipp.h>
#include <cups/http.h>

/* Exported by libcups 2.x (it is what httpUpdate loops on) but declared only in its private header: reads one
 * header line and applies it; 1 = more lines to come, 0 = done (status set). KioskHTTP calls it to count fields. */
extern int _httpUpdate(http_t *http, http_status_t *status);
