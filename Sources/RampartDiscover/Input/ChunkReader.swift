import CZlib
import Foundation

/// Reads a file in fixed-size chunks, decompressing gzip transparently (several members too, as `cat a.gz b.gz`
/// makes), so a multi-gigabyte log never sits in memory.
final class ChunkReader {
    private let handle: FileHandle
    private let chunkSize: Int
    private var inflater: Inflater?
    private var first = true

    init(path: String, chunkSize: Int = 1 << 20) throws(DiscoverError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DiscoverError(file: path, problem: "cannot open the file") }
        self.handle = handle
        self.chunkSize = chunkSize
        self.path = path
    }

    let path: String

    deinit { try? handle.close() }

    /// The next decompressed chunk, or nil at the end of the file.
    func next() throws(DiscoverError) -> [UInt8]? {
        while true {
            let raw: Data
            do { raw = try handle.read(upToCount: chunkSize) ?? Data() } catch { throw DiscoverError(file: path, problem: "cannot read: \(error.localizedDescription)") }
            if first {
                first = false
                if raw.count >= 2 && raw[raw.startIndex] == 0x1f && raw[raw.startIndex + 1] == 0x8b { inflater = try Inflater(path: path) }
            }
            guard let inflater else { return raw.isEmpty ? nil : [UInt8](raw) }
            if raw.isEmpty {
                try inflater.finish()
                return nil
            }
            let out = try inflater.inflate(raw)
            if !out.isEmpty { return out }
        }
    }
}

/// zlib's streaming inflate in gzip mode.
private final class Inflater {
    private var stream = z_stream()
    private let path: String
    private var ended = false

    init(path: String) throws(DiscoverError) {
        self.path = path
        // 15 + 16: a gzip wrapper, the largest window.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DiscoverError(file: path, problem: "cannot start gzip decompression")
        }
    }

    deinit { inflateEnd(&stream) }

    func inflate(_ input: Data) throws(DiscoverError) -> [UInt8] {
        var output: [UInt8] = []
        var failure: DiscoverError?
        var input = [UInt8](input)
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            var buffer = [UInt8](repeating: 0, count: 1 << 18)
            while stream.avail_in > 0 {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    if status == Z_STREAM_END {
                        // Another gzip member may follow.
                        ended = true
                        inflateReset(&stream)
                    } else if status != Z_OK && status != Z_BUF_ERROR {
                        failure = DiscoverError(file: path, problem: "corrupt gzip data (zlib error \(status))")
                    } else {
                        ended = false
                    }
                    return target.count - Int(stream.avail_out)
                }
                output.append(contentsOf: buffer[0..<produced])
                if failure != nil { break }
                if produced == 0 && stream.avail_in > 0 && !ended { break }
            }
        }
        if let failure { throw failure }
        return output
    }

    func finish() throws(DiscoverError) {
        if !ended && stream.total_in > 0 { throw DiscoverError(file: path, problem: "the gzip data is cut short") }
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
