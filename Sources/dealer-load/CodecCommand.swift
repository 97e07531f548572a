import ArgumentParser
import CodecBaselineC

/// `dealer-load codec`: envelope+payload encode/decode, Swift layer vs plain protobuf-c.
struct CodecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Codec micro-benchmark: the Swift layer against plain C with protobuf-c (ns/op, medians)."
    )

    @Option(help: "Ops per measurement.")
    var iterations: UInt64 = 200_000

    @Option(help: "Measurement rounds; medians are reported.")
    var rounds: Int = 5

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("For profilers: run only this loop (swift-encode, swift-decode, swift-full, swift-envelope, c-full).", visibility: .hidden))
    var only: String?

    /// One row of the report: the median ns/op of each side.
    struct Row {
        let name: String
        let swift: Double
        let c: Double
        var ratio: Double { swift / c }
    }

    mutating func run() throws {
        guard iterations > 0, rounds > 0 else { throw ValidationError("iterations and rounds must be positive") }
        var swift = CodecBenchmark()
        try swift.verify()
        if let only {
            let nanoseconds: UInt64
            switch only {
            case "swift-encode": nanoseconds = swift.runEncode(iterations)
            case "swift-decode": nanoseconds = try swift.runDecode(iterations)
            case "swift-full": nanoseconds = try swift.runFull(iterations)
            case "swift-envelope": nanoseconds = try swift.runFullEnvelope(iterations)
            case "c-full": nanoseconds = codec_baseline_run(iterations)
            default: throw ValidationError("unknown --only \(only)")
            }
            print("\(only): \(format(Double(nanoseconds) / Double(iterations))) ns/op")
            return
        }

        // Warm-up: caches, lazy descriptor tables, malloc arenas.
        let warm = max(iterations / 10, 1)
        _ = try swift.runFull(warm)
        _ = codec_baseline_run(warm)

        var samples: [String: [Double]] = [:]
        func record(_ key: String, _ nanoseconds: UInt64) throws {
            guard nanoseconds > 0 else { throw ValidationError("the C baseline failed to decode its own frame") }
            samples[key, default: []].append(Double(nanoseconds) / Double(iterations))
        }
        for _ in 0..<rounds {
            // Interleave the sides so drift on the shared machine hits both alike.
            try record("c.full", codec_baseline_run(iterations))
            try record("swift.full", swift.runFull(iterations))
            try record("c.encode", codec_baseline_run_encode(iterations))
            try record("swift.encode", swift.runEncode(iterations))
            try record("c.decode", codec_baseline_run_decode(iterations))
            try record("swift.decode", swift.runDecode(iterations))
            try record("swift.full.bytebuffer", swift.runFullByteBuffer(iterations))
            try record("swift.full.envelope", swift.runFullEnvelope(iterations))
        }

        func median(_ key: String) -> Double {
            let sorted = samples[key, default: []].sorted()
            return sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let rows = [
            Row(
                name: "encode + decode, envelope by FrameEnvelope (what dealerd and the client do)",
                swift: median("swift.full.envelope"), c: median("c.full")),
            Row(name: "encode + decode (one op)", swift: median("swift.full"), c: median("c.full")),
            Row(name: "encode only (payload, then frame)", swift: median("swift.encode"), c: median("c.encode")),
            Row(name: "decode only (frame, then payload)", swift: median("swift.decode"), c: median("c.decode")),
            Row(
                name: "encode + decode, frame via ByteBuffer", swift: median("swift.full.bytebuffer"),
                c: median("c.full")),
        ]
        let sink = swift.sink &+ codec_baseline_sink()

        if json {
            let fields = rows.map {
                "{\"name\":\"\($0.name)\",\"swift_ns\":\(format($0.swift)),\"c_ns\":\(format($0.c)),\"ratio\":\(format($0.ratio, 2))}"
            }
            print(
                "{\"iterations\":\(iterations),\"rounds\":\(rounds),\"rows\":[\(fields.joined(separator: ","))],\"sink\":\(sink % 10)}"
            )
        } else {
            print("codec: \(iterations) ops x \(rounds) rounds, medians (sink \(sink % 10))")
            print("| work | Swift ns/op | C ns/op | Swift / C |")
            print("|---|---:|---:|---:|")
            for row in rows {
                print("| \(row.name) | \(format(row.swift)) | \(format(row.c)) | \(format(row.ratio, 2))x |")
            }
        }
    }

    private func format(_ value: Double, _ decimals: Int = 0) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }
}
