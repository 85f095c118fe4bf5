using System.Text.Json;

namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// Streams the items of a top-level JSON array, each with the line it starts on. HotpotQA's training file is
/// half a gigabyte in one array, so the file is read through a buffer that only grows to fit the largest
/// item, and line numbers are counted over the bytes as they pass rather than over a copy of the whole file.
/// </summary>
internal static class JsonArrayReader
{
    /// <summary>Calls <paramref name="onItem"/> with each item's 0-based index, 1-based starting line and value.</summary>
    public static void ReadItems(string path, int bufferSize, string expected, Action<int, int, JsonElement> onItem)
    {
        FileStream stream;
        QuestionLoader.EnsureNotSpecial(path);
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SearchQaDataException(path, null, ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : $"cannot read the file: {ex.Message}");
        }

        using (stream)
        {
            var scan = new Scan(path, expected, onItem) { Buffer = new byte[Math.Max(16, bufferSize)] };
            try
            {
                scan.Fill(stream);
                if (scan.Length >= 3 && scan.Buffer[0] == 0xEF && scan.Buffer[1] == 0xBB && scan.Buffer[2] == 0xBF)
                {
                    scan.Start = 3;
                }

                while (!scan.Step())
                {
                    scan.Refill(stream);
                }
            }
            catch (JsonException ex)
            {
                // The reader state carries line numbers across refills, so they count from the top of the file.
                // A one-line file (HotpotQA ships one) has every item on line 1, so the item and the column say where.
                var line = ex.LineNumber is { } l ? (int)l + 1 : scan.LastItemLine;
                var column = ex.BytePositionInLine is { } b ? $" at byte {b + 1} of the line" : "";
                throw new SearchQaDataException(path, line, $"item {scan.Index}: not valid JSON ({JsonFields.Message(ex)}){column}");
            }
            catch (IOException ex)
            {
                throw new SearchQaDataException(path, null, $"cannot read the file: {ex.Message}");
            }
        }
    }

    private enum Phase
    {
        BeforeArray,
        InArray,
        AfterArray,
    }

    /// <summary>The buffer, the reader's saved state and the line count between refills.</summary>
    private sealed class Scan(string path, string expected, Action<int, int, JsonElement> onItem)
    {
        private JsonReaderState _state;
        private Phase _phase;
        private int _index;
        private long _origin;
        private long _countedTo;
        private int _line = 1;
        private bool _final;

        public required byte[] Buffer { get; set; }

        public int Length { get; private set; }

        public int Start { get; set; }

        public int LastItemLine { get; private set; } = 1;

        /// <summary>The 0-based index of the item being read (the one after the last item read whole).</summary>
        public int Index => _index;

        /// <summary>Reads items from the buffer; true when the array is done, false when more bytes are needed.</summary>
        public bool Step()
        {
            var reader = new Utf8JsonReader(Buffer.AsSpan(Start, Length - Start), _final, _state);
            while (true)
            {
                var checkpoint = reader.CurrentState;
                var consumed = (int)reader.BytesConsumed;
                if (!reader.Read())
                {
                    Start += consumed;
                    _state = checkpoint;
                    if (!_final)
                    {
                        return false;
                    }

                    return _phase == Phase.AfterArray
                        ? true
                        : throw new SearchQaDataException(path, LineOf(_origin + Start), _phase == Phase.BeforeArray ? $"expected {expected}" : "the JSON array is not closed");
                }

                var line = LineOf(_origin + Start + reader.TokenStartIndex);
                if (_phase == Phase.BeforeArray)
                {
                    _phase = reader.TokenType == JsonTokenType.StartArray ? Phase.InArray : throw new SearchQaDataException(path, line, $"expected {expected}");
                    continue;
                }

                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    _phase = Phase.AfterArray;
                    continue;
                }

                LastItemLine = line;
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new SearchQaDataException(path, line, $"item {_index}: expected a JSON object, not {Describe(reader.TokenType)}");
                }

                if (!JsonDocument.TryParseValue(ref reader, out var item))
                {
                    // The item runs past the buffer: come back to its first byte once more is read.
                    Start += consumed;
                    _state = checkpoint;
                    return false;
                }

                using (item)
                {
                    onItem(_index++, line, item.RootElement);
                }
            }
        }

        public void Refill(Stream stream)
        {
            // Count the lines in the bytes about to be dropped; every later item starts after them.
            if (_countedTo < _origin + Start)
            {
                LineOf(_origin + Start);
            }

            Array.Copy(Buffer, Start, Buffer, 0, Length - Start);
            _origin += Start;
            Length -= Start;
            Start = 0;
            if (Length == Buffer.Length)
            {
                var larger = new byte[Buffer.Length * 2];
                Array.Copy(Buffer, larger, Length);
                Buffer = larger;
            }

            Fill(stream);
        }

        public void Fill(Stream stream)
        {
            while (Length < Buffer.Length)
            {
                var read = stream.Read(Buffer, Length, Buffer.Length - Length);
                if (read == 0)
                {
                    _final = true;
                    return;
                }

                Length += read;
            }
        }

        /// <summary>The 1-based line of a file offset at or after the last one asked about (offsets only move forward).</summary>
        private int LineOf(long offset)
        {
            var from = (int)(_countedTo - _origin);
            var to = (int)(offset - _origin);
            if (to > from)
            {
                _line += Buffer.AsSpan(from, to - from).Count((byte)'\n');
                _countedTo = offset;
            }

            return _line;
        }

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            _ => token.ToString(),
        };
    }
}
