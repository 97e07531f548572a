import Logging
import Synchronization

/// A log handler that keeps every line (message and metadata, rendered) in
/// memory, at trace level, so tests can search what was logged.
public struct RecordingLogHandler: LogHandler {
    /// The lines logged through every handler made from one recorder.
    public final class Recorder: Sendable {
        private let lines = Mutex<[String]>([])

        public init() {}

        public var all: [String] { lines.withLock { $0 } }

        func append(_ line: String) { lines.withLock { $0.append(line) } }

        /// A logger writing into this recorder.
        public func logger(label: String = "recorded") -> Logger {
            Logger(label: label) { _ in RecordingLogHandler(recorder: self) }
        }
    }

    private let recorder: Recorder
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    init(recorder: Recorder) {
        self.recorder = recorder
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.append("\(event.level) \(event.message) \(merged)")
    }
}
