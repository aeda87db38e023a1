import CZlib
import Foundation

/// Reads a file in fixed-size chunks, decompressing gzip transparently (several members too, as `cat a.gz b.gz`
/// makes, and trailing zero padding, as `gzip -d` reads it), so a multi-gigabyte log never sits in memory. A gzip
/// bomb is stopped: at most `maximumBytes` decompressed, and at most `maximumRatio` bytes out per byte in.
public final class ChunkReader {
    /// The most bytes one input may decompress to (`discover --max-input-bytes`).
    @TaskLocal public static var maximumBytes: UInt64 = 16 << 30
    /// Real logs compress 5 to 50 times; zeros, 1,000 times: past this, the file is taken for a bomb.
    static let maximumRatio: UInt64 = 250

    private let handle: FileHandle
    private let chunkSize: Int
    private var inflater: Inflater?
    private var first = true
    private var compressedRead: UInt64 = 0
    private var produced: UInt64 = 0
    private let limit = ChunkReader.maximumBytes

    init(path: String, chunkSize: Int = 1 << 20) throws(DiscoverError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DiscoverError(file: path, problem: "cannot open the file") }
        self.handle = handle
        self.chunkSize = chunkSize
        self.path = path
    }

    let path: String

    deinit { try? handle.close() }

    /// The next decompressed chunk (at most `chunkSize` bytes of it), or nil at the end of the file.
    func next() throws(DiscoverError) -> [UInt8]? {
        while true {
            if let inflater, inflater.hasInput {
                let out = try inflater.inflate(upTo: chunkSize)
                if !out.isEmpty { return try counted(out) }
                continue
            }
            let raw: Data
            do { raw = try handle.read(upToCount: chunkSize) ?? Data() } catch { throw DiscoverError(file: path, problem: "cannot read: \(error.localizedDescription)") }
            if first {
                first = false
                if raw.isEmpty { throw DiscoverError(file: path, problem: "the file is empty") }
                if raw.count >= 2 && raw[raw.startIndex] == 0x1f && raw[raw.startIndex + 1] == 0x8b { inflater = try Inflater(path: path) }
            }
            guard let inflater else { return raw.isEmpty ? nil : try counted([UInt8](raw)) }
            if raw.isEmpty {
                try inflater.finish()
                if produced == 0 { throw DiscoverError(file: path, problem: "the gzip data holds nothing") }
                return nil
            }
            compressedRead += UInt64(raw.count)
            inflater.give(raw)
        }
    }

    private func counted(_ bytes: [UInt8]) throws(DiscoverError) -> [UInt8] {
        produced += UInt64(bytes.count)
        if produced > limit {
            throw DiscoverError(file: path, problem: "more than \(limit) bytes of input (raise --max-input-bytes if this is real traffic)")
        }
        if inflater != nil, produced > 1 << 20, produced > compressedRead * Self.maximumRatio {
            throw DiscoverError(file: path, problem: "the gzip data expands more than \(Self.maximumRatio) times: refused as a decompression bomb")
        }
        return bytes
    }
}

/// zlib's streaming inflate in gzip mode, a bounded piece of output at a time.
private final class Inflater {
    private var stream = z_stream()
    private let path: String
    private var ended = false
    /// After the last member only zero bytes may follow (padding, as tape and block devices leave it).
    private var inPadding = false
    private var input: [UInt8] = []
    private var offset = 0

    init(path: String) throws(DiscoverError) {
        self.path = path
        // 15 + 16: a gzip wrapper, the largest window.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DiscoverError(file: path, problem: "cannot start gzip decompression")
        }
    }

    deinit { inflateEnd(&stream) }

    var hasInput: Bool { offset < input.count }

    func give(_ data: Data) {
        input = [UInt8](data)
        offset = 0
    }

    /// Up to `limit` decompressed bytes from the input given so far.
    func inflate(upTo limit: Int) throws(DiscoverError) -> [UInt8] {
        if ended || inPadding, input[offset] == 0 {
            // Zero padding after a complete member: skipped, as gzip -d does.
            while offset < input.count, input[offset] == 0 { offset += 1 }
            inPadding = true
            return []
        }
        if inPadding { throw DiscoverError(file: path, problem: "data after the zero padding that ends the gzip stream") }
        var output = [UInt8](repeating: 0, count: limit)
        var failure: DiscoverError?
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress! + offset
                stream.avail_in = UInt32(source.count - offset)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                if status == Z_STREAM_END {
                    // Another gzip member (or padding) may follow.
                    ended = true
                    inflateReset(&stream)
                } else if status != Z_OK && status != Z_BUF_ERROR {
                    failure = DiscoverError(file: path, problem: "corrupt gzip data (zlib error \(status))")
                } else {
                    ended = false
                }
                offset = source.count - Int(stream.avail_in)
                return target.count - Int(stream.avail_out)
            }
        }
        if let failure { throw failure }
        output.removeSubrange(produced...)
        return output
    }

    func finish() throws(DiscoverError) {
        if !ended && !inPadding { throw DiscoverError(file: path, problem: "the gzip data is cut short") }
    }
}

/// Splits a chunked file into lines (without their `\n` or `\r\n`), counting them from 1.
struct LineReader {
    private let reader: ChunkReader
    private var buffer: [UInt8] = []
    private var start = 0
    private var done = false
    private(set) var lineNumber = 0
    /// Longer lines are cut to this many bytes (a log line is never legitimately megabytes long).
    static let maximumLine = 1 << 20

    init(path: String) throws(DiscoverError) { reader = try ChunkReader(path: path) }

    /// Calls `body` with each line's bytes; the slice is only valid during the call.
    mutating func forEachLine(_ body: (ArraySlice<UInt8>, Int) throws(DiscoverError) -> Void) throws(DiscoverError) {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                lineNumber += 1
                try body(buffer[start..<min(end, start + Self.maximumLine)], lineNumber)
                start = newline + 1
                continue
            }
            guard let chunk = try reader.next() else {
                if start < buffer.count {
                    lineNumber += 1
                    try body(buffer[start..<min(buffer.count, start + Self.maximumLine)], lineNumber)
                }
                return
            }
            buffer.removeSubrange(0..<start)
            start = 0
            if buffer.count > Self.maximumLine { buffer.removeSubrange(Self.maximumLine...) }
            buffer.append(contentsOf: chunk)
        }
    }
}
