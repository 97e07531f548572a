import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `dealerd` child process on a kernel-chosen port. Its stdout and stderr go
/// to a log file (never a pipe, so a chatty child can't block on a full pipe
/// while the parent is busy), and the port is read from its
/// `listening on HOST:PORT` line there.
///
/// Owns the `Process`, so it is not Sendable: other tasks get `pid`.
final class ChildDaemon {
    let process: Process
    let logURL: URL
    let port: Int
    let pid: pid_t

    private init(process: Process, logURL: URL, port: Int) {
        self.process = process
        self.logURL = logURL
        self.port = port
        self.pid = process.processIdentifier
    }

    /// Starts `executable arguments…` and waits until it announces its port.
    static func start(executable: String, arguments: [String], logURL: URL, timeout: Duration = .seconds(30)) async throws
        -> ChildDaemon
    {
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw LoadFailure(reason: "cannot create \(logURL.path)")
        }
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }  // the child keeps its own descriptor
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()

        let deadline = ContinuousClock.now + timeout
        while true {
            if let port = announcedPort(in: logURL) {
                return ChildDaemon(process: process, logURL: logURL, port: port)
            }
            guard process.isRunning else {
                throw LoadFailure(
                    reason: "\(executable) exited (status \(process.terminationStatus)) before listening:\n\(logTail(logURL))")
            }
            guard ContinuousClock.now < deadline else {
                sendSignal(SIGKILL, to: process.processIdentifier)
                throw LoadFailure(reason: "\(executable) did not announce its port within \(timeout):\n\(logTail(logURL))")
            }
            do { try await Task.sleep(for: .milliseconds(20)) } catch {
                sendSignal(SIGKILL, to: process.processIdentifier)
                throw error
            }
        }
    }

    /// How the child ended.
    struct Exit: Sendable, CustomStringConvertible {
        let bySignal: Bool
        let status: Int32
        var description: String { bySignal ? "signal \(status)" : "exit status \(status)" }
    }

    /// Polls until the child has exited (and been reaped by Foundation).
    func waitForExit(timeout: Duration = .seconds(15)) async throws -> Exit {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw LoadFailure(reason: "dealerd (pid \(pid)) not reaped \(timeout) after its end; its log ends:\n\(Self.logTail(logURL, lines: 8))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return Exit(bySignal: process.terminationReason == .uncaughtSignal, status: process.terminationStatus)
    }

    /// Sends `number` (SIGKILL, SIGTERM…) to `pid`; false if it could not be sent.
    @discardableResult
    static func sendSignal(_ number: Int32, to pid: pid_t) -> Bool {
        kill(pid, number) == 0
    }

    /// The last lines of the child's log, for error messages.
    static func logTail(_ url: URL, lines: Int = 20) -> String {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    private static func announcedPort(in url: URL) -> Int? {
        guard let text = try? String(contentsOf: url, encoding: .utf8),
            let marker = text.range(of: "listening on ")
        else { return nil }
        let line = text[marker.upperBound...].prefix(while: { $0 != "\n" })
        guard let colon = line.lastIndex(of: ":") else { return nil }
        return Int(line[line.index(after: colon)...].prefix(while: \.isNumber))
    }
}
