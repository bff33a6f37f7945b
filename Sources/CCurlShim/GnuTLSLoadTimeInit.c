// ragsync — GnuTLS's load-time initialisation, turned off: ragsync never uses GnuTLS.

// GnuTLS comes in with libcurl's and libpq's own dependencies (librtmp, libldap), and its constructor initialises
// the library as it loads (CPU detection, its random generator, nettle's tables): 0.6-0.8 MB of an idle daemon.
// GnuTLS asks this function, through a weak symbol it exports, whether to skip that (its GNUTLS_SKIP_GLOBAL_INIT
// macro defines it so); the executable's definition wins because the link exports it (Package.swift). librtmp and
// libldap call gnutls_global_init() themselves before they use it.

int _gnutls_global_init_skip(void);

int _gnutls_global_init_skip(void) {
    return 1;
}
