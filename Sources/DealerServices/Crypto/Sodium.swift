// The one place that imports libsodium. Nothing here leaks a C type.
internal import CSodium

/// libsodium's Argon2id password hashing, random bytes and SHA-256.
enum Sodium {
    /// sodium_init is idempotent and thread-safe; run it once before any use.
    private static let initialized: Bool = sodium_init() >= 0

    private static func ready() {
        precondition(initialized, "libsodium failed to initialize")
    }

    /// Cost presets for Argon2id (`crypto_pwhash`).
    struct Cost: Sendable, Hashable {
        let opsLimit: UInt64
        let memLimit: Int

        /// libsodium's interactive preset (2 passes, 64 MiB): the default.
        static let interactive = Cost(
            opsLimit: UInt64(crypto_pwhash_opslimit_interactive()), memLimit: crypto_pwhash_memlimit_interactive())
        /// The cheapest setting libsodium allows: for tests only.
        static let minimal = Cost(
            opsLimit: UInt64(crypto_pwhash_opslimit_min()), memLimit: crypto_pwhash_memlimit_min())
    }

    /// An encoded Argon2id hash ("$argon2id$v=19$m=…") of `password`, with a random salt.
    static func hashPassword(_ password: String, cost: Cost) -> String? {
        ready()
        var output = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        let status = password.utf8CString.withUnsafeBufferPointer { pass in
            output.withUnsafeMutableBufferPointer { out in
                crypto_pwhash_str(out.baseAddress!, pass.baseAddress!, UInt64(pass.count - 1), cost.opsLimit, cost.memLimit)
            }
        }
        guard status == 0 else { return nil }
        return output.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Whether `password` matches the encoded hash.
    static func verifyPassword(_ password: String, hash: String) -> Bool {
        ready()
        return hash.withCString { encoded in
            password.utf8CString.withUnsafeBufferPointer { pass in
                crypto_pwhash_str_verify(encoded, pass.baseAddress!, UInt64(pass.count - 1)) == 0
            }
        }
    }

    /// `count` bytes from libsodium's CSPRNG.
    static func randomBytes(_ count: Int) -> [UInt8] {
        ready()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return bytes
    }

    /// Bytes of the secret key `sipHash128` takes.
    static let sipHash128KeyBytes = Int(crypto_shorthash_siphashx24_KEYBYTES)

    /// SipHash-2-4 with a 128-bit output (`crypto_shorthash_siphashx24`) of
    /// `bytes` under `key` (`sipHash128KeyBytes` bytes): a keyed hash, quick
    /// for short inputs, whose outputs nobody without the key can predict.
    static func sipHash128(_ bytes: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        precondition(key.count == sipHash128KeyBytes)
        var output: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &output) { out in
            let input = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            _ = crypto_shorthash_siphashx24(
                out.baseAddress!.assumingMemoryBound(to: UInt8.self), input, UInt64(bytes.count),
                key.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return output
    }

    /// SHA-256 of `bytes`.
    static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        ready()
        let input = Array(bytes)
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        input.withUnsafeBufferPointer { inputBuffer in
            digest.withUnsafeMutableBufferPointer { out in
                _ = crypto_hash_sha256(out.baseAddress!, inputBuffer.baseAddress, UInt64(inputBuffer.count))
            }
        }
        return digest
    }
}
