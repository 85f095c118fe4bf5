#!/usr/bin/env python3
"""Writes a rollout file (stdin) to stdout with every tool call's "data" member removed, byte for byte
otherwise. The writer puts "data" last in a tool call, so removing ',"data":VALUE' gives exactly the
bytes a writer without structured tool results would have written."""
import json
import sys

decoder = json.JSONDecoder()
marker = ',"data":'
for line in sys.stdin.buffer.read().decode('utf-8').splitlines(keepends=True):
    out = []
    at = 0
    while True:
        found = line.find(marker, at)
        if found < 0:
            out.append(line[at:])
            break
        _, end = decoder.raw_decode(line, found + len(marker))
        out.append(line[at:found])
        at = end
    sys.stdout.buffer.write(''.join(out).encode('utf-8'))
