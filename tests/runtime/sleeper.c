/* The only program of the image runtime_metadata_podman_test builds: linked statically so that
   the image needs nothing else, it waits until killed. */
#include <unistd.h>

int main(void) {
  for (;;) pause();
}
