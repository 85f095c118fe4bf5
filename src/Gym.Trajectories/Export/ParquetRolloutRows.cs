using System.Text.Json.Serialization;

namespace Gym.Core.Trajectories;

// The row types of the Parquet export. Parquet.Net maps them to columns by reflection: the JSON
// names are the column names (snake_case, as in the JSONL), and they need settable properties and a
// parameterless constructor to be read back, hence classes rather than positional records.

/// <summary>A chat message in a Parquet row: <c>role</c>, <c>content</c>, and <c>name</c> for tool messages.</summary>
public sealed class ParquetMessage
{
    /// <summary><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    [JsonPropertyName("role")] public string Role { get; set; } = "";

    /// <summary>The message text.</summary>
    [JsonPropertyName("content")] public string Content { get; set; } = "";

    /// <summary>For tool messages, the tool's name; null otherwise.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }
}

/// <summary>A message of an episode's conversation, with the turn it belongs to (−1 for the prompt).</summary>
public sealed class ParquetConversationMessage
{
    /// <summary>The turn (0-based) whose action or observation this is; −1 for the reset prompt.</summary>
    [JsonPropertyName("turn")] public int Turn { get; set; }

    /// <summary><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    [JsonPropertyName("role")] public string Role { get; set; } = "";

    /// <summary>The message text.</summary>
    [JsonPropertyName("content")] public string Content { get; set; } = "";

    /// <summary>For tool messages, the tool's name; null otherwise.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }
}

/// <summary>One reward component of a turn: <c>value = raw × weight</c>.</summary>
public sealed class ParquetRewardComponent
{
    /// <summary>The component's name, as the scenario's reward specification names it.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary><c>process</c> or <c>outcome</c>.</summary>
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";

    /// <summary>The component's raw score.</summary>
    [JsonPropertyName("raw")] public double Raw { get; set; }

    /// <summary>Its weight.</summary>
    [JsonPropertyName("weight")] public double Weight { get; set; }

    /// <summary><c>raw × weight</c>: the part of the reward it contributes.</summary>
    [JsonPropertyName("value")] public double Value { get; set; }
}

/// <summary>An episode's total of one reward component.</summary>
public sealed class ParquetComponentTotal
{
    /// <summary>The component's name.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>The sum of its values over the episode's turns.</summary>
    [JsonPropertyName("value")] public double Value { get; set; }
}

/// <summary>One action of an episode: its text and, when the policy gave them, its token ids and log-probs.</summary>
public sealed class ParquetAction
{
    /// <summary>The turn (0-based).</summary>
    [JsonPropertyName("turn")] public int Turn { get; set; }

    /// <summary>The action's text.</summary>
    [JsonPropertyName("text")] public string Text { get; set; } = "";

    /// <summary>The sampled token ids, or null.</summary>
    [JsonPropertyName("token_ids")] public List<int>? TokenIds { get; set; }

    /// <summary>The log-probabilities of those tokens, or null.</summary>
    [JsonPropertyName("log_probs")] public List<double>? LogProbs { get; set; }

    /// <summary>The turn's reward.</summary>
    [JsonPropertyName("reward")] public double Reward { get; set; }
}

/// <summary>One row per turn (<c>--rows turn</c>): what the policy saw, what it did, and what it earned.</summary>
public sealed class ParquetTurnRow
{
    /// <summary>The episode's index in the run.</summary>
    [JsonPropertyName("episode")] public long Episode { get; set; }

    /// <summary>The environment id.</summary>
    [JsonPropertyName("environment_id")] public string EnvironmentId { get; set; } = "";

    /// <summary>The episode seed.</summary>
    [JsonPropertyName("seed")] public long Seed { get; set; }

    /// <summary>The policy that acted.</summary>
    [JsonPropertyName("policy_id")] public string PolicyId { get; set; } = "";

    /// <summary>The turn (0-based).</summary>
    [JsonPropertyName("turn")] public int Turn { get; set; }

    /// <summary>The role of the message in <see cref="Text"/>: always <c>assistant</c> (the policy's action).</summary>
    [JsonPropertyName("role")] public string Role { get; set; } = "assistant";

    /// <summary>The action's text.</summary>
    [JsonPropertyName("text")] public string Text { get; set; } = "";

    /// <summary>The sampled token ids, or null when the policy gave none.</summary>
    [JsonPropertyName("token_ids")] public List<int>? TokenIds { get; set; }

    /// <summary>The log-probabilities of those tokens, or null.</summary>
    [JsonPropertyName("log_probs")] public List<double>? LogProbs { get; set; }

    /// <summary>The messages the policy saw before this action (its memory mode applied).</summary>
    [JsonPropertyName("context")] public List<ParquetMessage> Context { get; set; } = [];

    /// <summary>The new messages the environment answered with.</summary>
    [JsonPropertyName("observation")] public List<ParquetMessage> Observation { get; set; } = [];

    /// <summary>The turn's reward: the sum of the components' values.</summary>
    [JsonPropertyName("reward")] public double Reward { get; set; }

    /// <summary>The reward's components.</summary>
    [JsonPropertyName("reward_components")] public List<ParquetRewardComponent> RewardComponents { get; set; } = [];

    /// <summary>Whether this turn ended the task.</summary>
    [JsonPropertyName("terminated")] public bool Terminated { get; set; }

    /// <summary>Whether a limit outside the task ended the episode here.</summary>
    [JsonPropertyName("truncated")] public bool Truncated { get; set; }

    /// <summary><c>none</c>, <c>answered</c>, <c>terminal_state</c> or <c>max_turns</c>.</summary>
    [JsonPropertyName("stop_reason")] public string StopReason { get; set; } = "";

    /// <summary>Why the action did not parse, or null.</summary>
    [JsonPropertyName("format_error")] public string? FormatError { get; set; }

    /// <summary>The tokens of <see cref="Context"/>, as the run counted them.</summary>
    [JsonPropertyName("context_tokens")] public int ContextTokens { get; set; }

    /// <summary>The episode's status: <c>completed</c>, <c>failed</c>, <c>cancelled</c>.</summary>
    [JsonPropertyName("episode_status")] public string EpisodeStatus { get; set; } = "";

    /// <summary>Whether the episode succeeded.</summary>
    [JsonPropertyName("episode_success")] public bool EpisodeSuccess { get; set; }

    /// <summary>The episode's total reward.</summary>
    [JsonPropertyName("episode_reward")] public double EpisodeReward { get; set; }
}

/// <summary>One row per episode (<c>--rows episode</c>): the whole conversation and its outcome.</summary>
public sealed class ParquetEpisodeRow
{
    /// <summary>The episode's index in the run.</summary>
    [JsonPropertyName("episode")] public long Episode { get; set; }

    /// <summary>The environment id.</summary>
    [JsonPropertyName("environment_id")] public string EnvironmentId { get; set; } = "";

    /// <summary>The episode seed.</summary>
    [JsonPropertyName("seed")] public long Seed { get; set; }

    /// <summary>The policy that acted.</summary>
    [JsonPropertyName("policy_id")] public string PolicyId { get; set; } = "";

    /// <summary><c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    [JsonPropertyName("status")] public string Status { get; set; } = "";

    /// <summary><c>answered</c>, <c>terminal_state</c>, <c>max_turns</c>, <c>error</c> or <c>cancelled</c>.</summary>
    [JsonPropertyName("stop_reason")] public string StopReason { get; set; } = "";

    /// <summary>The last turn's terminated flag.</summary>
    [JsonPropertyName("terminated")] public bool Terminated { get; set; }

    /// <summary>The last turn's truncated flag.</summary>
    [JsonPropertyName("truncated")] public bool Truncated { get; set; }

    /// <summary>The last step's <c>is_success</c>.</summary>
    [JsonPropertyName("success")] public bool Success { get; set; }

    /// <summary>The sum of the turns' rewards.</summary>
    [JsonPropertyName("total_reward")] public double TotalReward { get; set; }

    /// <summary>How many turns were played.</summary>
    [JsonPropertyName("num_turns")] public int NumTurns { get; set; }

    /// <summary>The whole conversation: prompt (turn −1), then each turn's action and observation.</summary>
    [JsonPropertyName("messages")] public List<ParquetConversationMessage> Messages { get; set; } = [];

    /// <summary>Each turn's action with its token ids, log-probs and reward.</summary>
    [JsonPropertyName("actions")] public List<ParquetAction> Actions { get; set; } = [];

    /// <summary>Each reward component's total over the episode, in first-seen order.</summary>
    [JsonPropertyName("reward_components")] public List<ParquetComponentTotal> RewardComponents { get; set; } = [];

    /// <summary>The largest context a turn was chosen from, in tokens.</summary>
    [JsonPropertyName("peak_context_tokens")] public int PeakContextTokens { get; set; }

    /// <summary>For failed episodes, what went wrong; null otherwise.</summary>
    [JsonPropertyName("error")] public string? Error { get; set; }
}
