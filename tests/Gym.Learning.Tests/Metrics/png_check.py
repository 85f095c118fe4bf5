"""An independent PNG reader for the chart tests (python3 standard library only).

Checks the signature and every chunk's CRC (zlib.crc32), reads IHDR, inflates the IDAT data, undoes
the five row filters and counts the pixels of each colour asked for.
Usage: python3 png_check.py FILE.png RRGGBB...   Prints "size WxH", then "colour RRGGBB COUNT" lines.
Exits 1 with a message on the first defect.
"""
import struct
import sys
import zlib


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG signature")
    pos = 8
    while pos < len(data):
        if pos + 12 > len(data):
            fail(f"truncated chunk at byte {pos}")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            fail(f"bad CRC in chunk {kind!r} at byte {pos}")
        yield kind, body
        pos += 12 + length


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def main():
    path, wanted = sys.argv[1], [c.upper() for c in sys.argv[2:]]
    with open(path, "rb") as f:
        data = f.read()
    found = list(chunks(data))
    if not found or found[0][0] != b"IHDR" or found[-1][0] != b"IEND":
        fail("IHDR must come first and IEND last")
    width, height, depth, colour_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", found[0][1])
    if (depth, colour_type, compression, filtering, interlace) != (8, 2, 0, 0, 0):
        fail(f"expected 8-bit RGB, not interlaced; got depth {depth}, colour type {colour_type}, interlace {interlace}")
    raw = zlib.decompress(b"".join(body for kind, body in found if kind == b"IDAT"))
    stride = width * 3
    if len(raw) != height * (stride + 1):
        fail(f"inflated {len(raw)} bytes, expected {height * (stride + 1)}")
    previous = bytearray(stride)
    counts = {c: 0 for c in wanted}
    for y in range(height):
        kind = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - 3] if i >= 3 else 0
            up = previous[i]
            up_left = previous[i - 3] if i >= 3 else 0
            if kind == 0:
                predicted = 0
            elif kind == 1:
                predicted = left
            elif kind == 2:
                predicted = up
            elif kind == 3:
                predicted = (left + up) // 2
            elif kind == 4:
                predicted = paeth(left, up, up_left)
            else:
                fail(f"row {y}: unknown filter type {kind}")
            row[i] = (row[i] + predicted) & 0xFF
        for x in range(width):
            key = row[3 * x:3 * x + 3].hex().upper()
            if key in counts:
                counts[key] += 1
        previous = row
    print(f"size {width}x{height}")
    for colour in wanted:
        print(f"colour {colour} {counts[colour]}")


main()
