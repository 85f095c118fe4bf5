using System.Text.Json.Serialization;
using Gym.Testing;
using Parquet.Serialization;

namespace Gym.Environments.SearchQa.Tests.Data;

/// <summary>
/// Writes the committed Parquet fixture <c>Data/Fixtures/search-r1-verl.parquet</c>: verl / Search-R1 training rows,
/// nested exactly as the public files are (<c>prompt</c> a list of <c>{role, content}</c> structs, <c>reward_model</c>
/// a struct holding <c>ground_truth</c>, a struct holding the <c>target</c> list, <c>extra_info</c> a struct of
/// <c>split</c> and <c>index</c>). Regenerate with <c>GYM_UPDATE_FIXTURES=1 dotnet test tests/Gym.Environments.SearchQa.Tests</c>;
/// tests otherwise read the committed file, offline.
/// </summary>
internal static class SearchR1Parquet
{
    public const string FileName = "search-r1-verl.parquet";

    private const string Template =
        "Answer the given question. You must conduct reasoning inside <think> and </think> first every time you get new information. " +
        "After reasoning, if you find you lack some knowledge, you can call a search engine by <search> query </search> and it will return the top searched results between <information> and </information>. " +
        "If you find no further external knowledge needed, you can directly provide the answer inside <answer> and </answer>, without detailed illustrations. For example, <answer> Beijing </answer>. Question: ";

    public static IReadOnlyList<Row> Rows { get; } =
    [
        Make("nq", "train", 0, "who got the first nobel prize in physics?", "Wilhelm Conrad Röntgen", "Röntgen"),
        Make("nq", "train", 1, "when is the next deadpool movie being released?", "May 18, 2018"),
        Make("hotpotqa", "train", 2, "Were Scott Derrickson and Ed Wood of the same nationality?", "yes"),
        Make("triviaqa", "train", 3, "Which Lloyd Webber musical premiered in the US on 10 December 1993?", "Sunset Boulevard"),
    ];

    public static string CommittedPath => RepositoryFolders.Path("tests", "Gym.Environments.SearchQa.Tests", "Data", "Fixtures", FileName);

    public static async Task WriteAsync(string path) => await ParquetSerializer.SerializeAsync(Rows, path);

    private static Row Make(string source, string split, long index, string question, params string[] answers) => new()
    {
        DataSource = source,
        Prompt = [new Message { Role = "user", Content = Template + question + "\n" }],
        Ability = "fact-reasoning",
        RewardModel = new RewardModel { Style = "rule", GroundTruth = new GroundTruth { Target = [.. answers] } },
        ExtraInfo = new ExtraInfo { Split = split, Index = index },
    };

    internal sealed class Row
    {
        [JsonPropertyName("data_source")]
        public string DataSource { get; set; } = "";

        [JsonPropertyName("prompt")]
        public List<Message> Prompt { get; set; } = [];

        [JsonPropertyName("ability")]
        public string Ability { get; set; } = "";

        [JsonPropertyName("reward_model")]
        public RewardModel RewardModel { get; set; } = new();

        [JsonPropertyName("extra_info")]
        public ExtraInfo ExtraInfo { get; set; } = new();
    }

    internal sealed class Message
    {
        [JsonPropertyName("role")]
        public string Role { get; set; } = "";

        [JsonPropertyName("content")]
        public string Content { get; set; } = "";
    }

    internal sealed class RewardModel
    {
        [JsonPropertyName("style")]
        public string Style { get; set; } = "";

        [JsonPropertyName("ground_truth")]
        public GroundTruth GroundTruth { get; set; } = new();
    }

    internal sealed class GroundTruth
    {
        [JsonPropertyName("target")]
        public List<string> Target { get; set; } = [];
    }

    internal sealed class ExtraInfo
    {
        [JsonPropertyName("split")]
        public string Split { get; set; } = "";

        [JsonPropertyName("index")]
        public long Index { get; set; }
    }
}
