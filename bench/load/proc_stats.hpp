#pragma once
// Reads another process's CPU time and resident memory from /proc, so the
// generator can charge the broker's own work to the messages it delivered.
// Linux only; every function returns a negative value when the process or
// the field cannot be read.

namespace tern::bench {

// utime + stime of all the process's threads, in seconds (/proc/PID/stat
// fields 14 and 15, in clock ticks: 10 ms resolution on most systems).
double process_cpu_seconds(long pid);
// VmRSS from /proc/PID/status, in KiB.
long process_rss_kib(long pid);
// This process's own user + system CPU, in seconds.
double own_cpu_seconds();
// Raises RLIMIT_NOFILE to its hard limit; returns the new soft limit.
long raise_file_limit();

}  // namespace tern::bench
