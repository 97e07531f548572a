import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and resident memory of another process, from /proc/<pid> (Linux).
struct ServerProcessSample: Sendable {
    /// User + system CPU time.
    let cpuNanoseconds: UInt64
    let residentBytes: UInt64

    /// Nil when /proc/<pid> cannot be read (another OS, or the process is gone).
    static func read(pid: Int32) -> ServerProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let commandEnd = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
        let fields = stat[stat.index(after: commandEnd)...].split(separator: " ")
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        let ticksPerSecond = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        guard let rssLine = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = rssLine.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) })
        else { return nil }
        return ServerProcessSample(
            cpuNanoseconds: (user + system) * 1_000_000_000 / ticksPerSecond, residentBytes: kilobytes * 1024)
    }
}
