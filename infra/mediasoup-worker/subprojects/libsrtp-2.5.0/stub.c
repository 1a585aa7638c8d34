/*
 * Intentionally empty. The worker's meson.build wants a static library from
 * this subproject for `link_whole`; the real code comes from the Debian
 * shared library declared in meson.build next to this file.
 */
typedef int teamrom_mediasoup_stub_t;
