import DealerProtocol
import DealerStore
import Logging
public import NIOCore

/// Where a handler runs.
public enum HandlerExecution: Sendable {
    /// On the connection's event loop, inline: only for work answered from
    /// memory that never blocks (Health/Check, cached lookups).
    case eventLoop
    /// On a worker of the server's storage lane (`--blocking-threads`):
    /// storage and other blocking work. Answered as soon as the handler returns.
    case blocking
    /// On a worker of the server's small password-hashing lane
    /// (`MethodTable.hashingLaneThreads` workers, its own bounded queue), so
    /// hashing never holds a storage worker. For every method that hashes or
    /// verifies a password.
    case hashing
    /// On a worker of the server's write lane (`--write-threads`, many mostly
    /// parked threads, its own bounded queue): durable writes. A write's worker
    /// waits for its group's COMMIT, so this lane's thread count, not the
    /// storage lane's, bounds how many writes share one group commit.
    case writing
}

/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    /// The client's call id, unique among the calls in flight on its connection.
    public let callID: UInt64
    /// The full method path, e.g. "/dealer.v1.DealerService/AcceptRequest".
    public let method: String
    /// The bearer token's UTF-8 bytes as sent with the call; empty when none.
    public let sessionTokenBytes: ByteBuffer
    private let baseLogger: Logger

    /// The bearer token sent with the call; empty when none (made on each use).
    public var sessionToken: String { String(buffer: sessionTokenBytes) }

    public init(callID: UInt64, method: String, sessionTokenBytes: ByteBuffer, logger: Logger) {
        self.callID = callID
        self.method = method
        self.sessionTokenBytes = sessionTokenBytes
        self.baseLogger = logger
    }

    public init(callID: UInt64, method: String, sessionToken: String, logger: Logger) {
        self.init(callID: callID, method: method, sessionTokenBytes: ByteBuffer(string: sessionToken), logger: logger)
    }

    /// A logger with `call_id` and `method` metadata (built on use: most
    /// calls log nothing).
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "call_id"] = "\(callID)"
        logger[metadataKey: "method"] = "\(method)"
        return logger
    }
}

/// One registered method: decodes the request, runs the handler, encodes the response.
public struct MethodHandler: Sendable {
    /// What `invokeInline` did.
    public enum InlineOutcome {
        /// The call's OK Response frame was appended to the buffer.
        case answered
        /// The call failed (nothing was appended): answer it with this error.
        case failed(any Error)
        /// It cannot be answered on the event loop (nothing was appended): run `invoke` on its lane.
        case needsLane
    }

    public let path: String
    public let execution: HandlerExecution
    /// Runs the call and appends its OK Response frame.
    private let body: @Sendable (ByteBuffer, CallContext, inout ByteBuffer) throws -> Void
    /// For a handler that can often answer from memory: tries that, appending
    /// the Response frame; false when the call needs its lane after all.
    private let memoryBody: (@Sendable (ByteBuffer, CallContext, inout ByteBuffer) throws -> Bool)?

    init<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        execution: HandlerExecution,
        fromMemory memoryHandler: (@Sendable (Request, CallContext) throws -> Response?)? = nil,
        _ handler: @escaping @Sendable (Request, CallContext) throws -> Response
    ) {
        self.path = method.path
        self.execution = execution
        self.body = { payload, context, frame in
            let request: Request = try Self.decode(payload)
            let response = try Self.answering(context) { try handler(request, context) }
            FrameEnvelope.writeResponse(callID: context.callID, message: response, into: &frame)
        }
        if let memoryHandler {
            self.memoryBody = { payload, context, frame in
                let request: Request = try Self.decode(payload)
                guard let response = try Self.answering(context, { try memoryHandler(request, context) }) else {
                    return false
                }
                FrameEnvelope.writeResponse(callID: context.callID, message: response, into: &frame)
                return true
            }
        } else {
            self.memoryBody = nil
        }
    }

    /// The request in `payload`, or INVALID_ARGUMENT (`INVALID_STRING`, `BAD_PAYLOAD`).
    private static func decode<Request: ProtoMessage>(_ payload: ByteBuffer) throws -> Request {
        do {
            return try Request(buffer: payload)
        } catch where error.kind == .invalidString {
            throw RPCError(.invalidArgument, .invalidString, error.message)
        } catch {
            throw RPCError(.invalidArgument, .badPayload, "payload is not a valid \(Request.protoMessageName): \(error)")
        }
    }

    /// Runs a handler, turning a store error into its `RPCError` (a storage failure is logged).
    private static func answering<T>(_ context: CallContext, _ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as RPCError {
            throw error
        } catch {
            if let storeError = error as? StoreError, storeError.isStorageFailure {
                context.logger.error("storage failure", metadata: ["error": "\(storeError)"])
            }
            throw RPCError.answering(error) ?? error
        }
    }

    /// Runs the call and returns its whole OK Response frame (length prefix
    /// included, for `context.callID`), the response message packed straight
    /// into it. Throws `RPCError` for expected failures (a store error
    /// becomes its `RPCError` here, through `RPCError.answering`); anything else
    /// is an internal error that the server logs and answers as INTERNAL.
    public func invoke(payload: ByteBuffer, context: CallContext) throws -> ByteBuffer {
        var frame = ByteBuffer()
        try body(payload, context, &frame)
        return frame
    }

    /// Whether `invokeInline` may answer the call on the event loop: an
    /// `.eventLoop` handler, or one that can often answer from memory.
    public var answersInline: Bool { execution == .eventLoop || memoryBody != nil }

    /// Answers the call on the event loop, never blocking, appending its OK
    /// Response frame to `frames` (the connection's batch of outgoing frames):
    /// always for an `.eventLoop` handler; for a handler registered with a
    /// from-memory path, when that path can answer (a cached session).
    public func invokeInline(payload: ByteBuffer, context: CallContext, into frames: inout ByteBuffer) -> InlineOutcome {
        do {
            if execution == .eventLoop {
                try body(payload, context, &frames)
                return .answered
            }
            guard let memoryBody else { return .needsLane }
            return try memoryBody(payload, context, &frames) ? .answered : .needsLane
        } catch {
            return .failed(error)
        }
    }
}

/// Runs `body` (a batch of write handlers) inside one write transaction;
/// returns the error that voids the whole batch, nil once it is durable.
public struct WriteBatchRunner: Sendable {
    public let run: @Sendable (_ body: () -> Void) -> (any Error)?

    public init(_ run: @escaping @Sendable (_ body: () -> Void) -> (any Error)?) {
        self.run = run
    }
}

/// The methods a server serves, by full path.
public struct MethodTable: Sendable {
    public private(set) var handlers: [String: MethodHandler] = [:]
    /// Paths of the contract that have no handler yet: answered UNIMPLEMENTED
    /// with reason NOT_IMPLEMENTED (unknown paths get UNKNOWN_METHOD).
    public private(set) var declaredPaths: Set<String> = []
    /// Workers of the server's hashing lane: how many `.hashing` handlers run
    /// at once (each Argon2id hash takes 64 MiB at the interactive cost).
    public var hashingLaneThreads = 2
    /// Runs a batch of `.writing` handlers as one write transaction on the
    /// calling thread (set when the services have a store); nil runs each
    /// write handler on its own.
    public var writeBatchRunner: WriteBatchRunner?
    /// `handlers` again, for lookups by the path's bytes.
    private var pathIndex = MethodPathIndex()

    public init() {}

    /// Serves `method` with `handler`. With `fromMemory`, the server first
    /// tries that on the event loop (it must never block), and runs `handler`
    /// on the `execution` lane only when it returns nil.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        execution: HandlerExecution = .blocking,
        fromMemory: (@Sendable (Request, CallContext) throws -> Response?)? = nil,
        _ handler: @escaping @Sendable (Request, CallContext) throws -> Response
    ) {
        precondition(handlers[method.path] == nil, "\(method.path) registered twice")
        handlers[method.path] = MethodHandler(method, execution: execution, fromMemory: fromMemory, handler)
        declaredPaths.insert(method.path)
        pathIndex = MethodPathIndex(handlers)
    }

    /// Declares the methods of a service of the contract, so that those
    /// without a handler answer NOT_IMPLEMENTED instead of UNKNOWN_METHOD.
    public mutating func declare(_ paths: [String]) {
        declaredPaths.formUnion(paths)
    }

    public func handler(for path: String) -> MethodHandler? {
        handlers[path]
    }

    /// The handler for the path whose UTF-8 bytes are `pathBytes` (as they
    /// arrived in a Request), found without making a `String`.
    public func handler(forPath pathBytes: ByteBuffer) -> MethodHandler? {
        pathIndex.handler(forPath: pathBytes)
    }
}
