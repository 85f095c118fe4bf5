using System.Text;

namespace Gym.Benchmarks;

/// <summary>A titled table of results, printed as aligned text or as Markdown.</summary>
internal sealed class ResultTable(string title, params string[] headers)
{
    private readonly List<string[]> _rows = [];
    private readonly List<string> _notes = [];

    public string Title { get; } = title;

    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"row has {cells.Length} cells, table '{Title}' has {headers.Length} columns");
        }

        _rows.Add(cells);
    }

    public void Note(string note) => _notes.Add(note);

    public string Render(bool markdown)
    {
        var text = new StringBuilder();
        if (markdown)
        {
            text.Append("#### ").AppendLine(Title).AppendLine();
            text.Append("| ").AppendJoin(" | ", headers).AppendLine(" |");
            text.Append('|').AppendJoin("|", headers.Select((_, i) => i == 0 ? " --- " : " ---: ")).AppendLine("|");
            foreach (var row in _rows)
            {
                text.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
            }

            if (_notes.Count > 0)
            {
                text.AppendLine();
                foreach (var note in _notes)
                {
                    text.Append("- ").AppendLine(note);
                }
            }

            return text.AppendLine().ToString();
        }

        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        text.AppendLine(Title).AppendLine(new string('=', Title.Length));
        text.AppendJoin("  ", headers.Select((h, i) => i == 0 ? h.PadRight(widths[i]) : h.PadLeft(widths[i]))).AppendLine();
        text.AppendJoin("  ", widths.Select(w => new string('-', w))).AppendLine();
        foreach (var row in _rows)
        {
            text.AppendJoin("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).AppendLine();
        }

        foreach (var note in _notes)
        {
            text.Append("  * ").AppendLine(note);
        }

        return text.AppendLine().ToString();
    }
}
