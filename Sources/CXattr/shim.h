// System headers the Glibc module does not export.
#include <sys/xattr.h>
