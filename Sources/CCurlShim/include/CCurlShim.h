// Placeholder replaced by the embedding client work.
#include <curl/curl.h>
