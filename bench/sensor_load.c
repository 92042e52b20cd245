/* Load generator for the sensor benchmarks (bench/sensor-load.sh): makes open(2) calls with a
 * write flag (each one event of type "open" for the sensor) at a target rate for a duration,
 * from several processes, and prints how many it made and the rate it reached.
 *   sensor_load RATE_PER_SECOND SECONDS PROCESSES DIR
 * RATE 0 = as fast as possible. Built static so that it runs in any container image. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: sensor_load RATE_PER_SECOND SECONDS PROCESSES DIR\n");
    return 2;
  }
  double rate = atof(argv[1]), seconds = atof(argv[2]);
  int procs = atoi(argv[3]);
  const char *dir = argv[4];
  if (procs < 1 || procs > 64 || seconds <= 0 || rate < 0) {
    fprintf(stderr, "sensor_load: bad arguments\n");
    return 2;
  }
  int fds[64][2];
  double start = now_s();
  for (int p = 0; p < procs; ++p) {
    if (pipe(fds[p]) != 0) return 1;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      char path[4096];
      snprintf(path, sizeof path, "%s/load-%d", dir, p);
      double share = rate / procs;
      unsigned long long n = 0;
      for (;;) {
        double t = now_s() - start;
        if (t >= seconds) break;
        /* Catch up to the schedule in batches (rate 0: a batch of 256 at a time). */
        unsigned long long due = share > 0 ? (unsigned long long)(share * t) : n + 256;
        if (n >= due) {
          usleep(200);
          continue;
        }
        while (n < due) {
          int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
          if (fd >= 0) close(fd);
          ++n;
        }
      }
      if (write(fds[p][1], &n, sizeof n) != sizeof n) _exit(1);
      _exit(0);
    }
    close(fds[p][1]);
  }
  unsigned long long total = 0;
  for (int p = 0; p < procs; ++p) {
    unsigned long long n = 0;
    if (read(fds[p][0], &n, sizeof n) == sizeof n) total += n;
    wait(NULL);
  }
  double took = now_s() - start;
  printf("%llu opens in %.3f s: %.0f per second\n", total, took, (double)total / took);
  return 0;
}
