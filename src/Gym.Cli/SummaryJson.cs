using System.CommandLine;
using System.Text.Json;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;

namespace Gym.Cli;

/// <summary>How <c>gym run</c> and <c>gym score</c> print their summary.</summary>
internal enum SummaryFormat
{
    /// <summary>Tables for people (the default).</summary>
    Text,

    /// <summary>One JSON object on stdout, for scripts.</summary>
    Json,
}

/// <summary>The <c>--format text|json</c> option of <c>gym run</c> and <c>gym score</c>.</summary>
internal static class SummaryFormatOption
{
    public static Option<string> Create() => WithValidator(new Option<string>("--format")
    {
        Description = "How to print the summary: 'text' (tables) or 'json' (one JSON object on stdout, nothing else there: progress lines and notes go to stderr; fields in docs/rollouts.md).",
        DefaultValueFactory = _ => "text",
        HelpName = "text|json",
    });

    public static SummaryFormat Read(ParseResult result, Option<string> option) =>
        result.GetValue(option) == "json" ? SummaryFormat.Json : SummaryFormat.Text;

    private static Option<string> WithValidator(Option<string> option)
    {
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is not ("text" or "json"))
            {
                r.AddError($"--format must be text or json (got '{value}')");
            }
        });
        return option;
    }
}

/// <summary>
/// The summary of <c>gym run</c> and <c>gym score</c> as one JSON object on one line: the numbers
/// the tables show, unrounded, with snake_case names (docs/rollouts.md, "The summary as JSON").
/// </summary>
internal static class SummaryJson
{
    public static void WriteRun(RolloutPlan plan, string policyId, string outputPath, RolloutResult result, RunFileReport file)
    {
        var s = result.Summary;
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-9);
        Write(json =>
        {
            json.WriteString("command", "run");
            json.WriteString("environment_id", plan.EnvironmentId);
            json.WriteString("policy", policyId);
            json.WriteNumber("seed", plan.Seed);
            json.WriteString("memory", plan.Memory.ToString());
            json.WriteString("tokenizer", plan.Tokenizer);
            json.WriteString("output", outputPath);
            json.WriteBoolean("stopped_early", result.WasCancelled);
            Number(json, "elapsed_seconds", result.Elapsed.TotalSeconds);
            Number(json, "steps_per_second", s.TotalSteps / seconds);
            Number(json, "episodes_per_second", s.Episodes / seconds);
            json.WriteStartObject("file");
            json.WriteNumber("written", file.Written);
            json.WriteNumber("resumed_at", file.ResumedAt);
            json.WriteNumber("torn_bytes", file.TornBytes);
            json.WriteNumber("dropped", file.Dropped);
            json.WriteEndObject();
            WriteSummary(json, s);
            json.WriteStartArray("curriculum");
            foreach (var step in result.Completion.Curriculum)
            {
                json.WriteStartObject();
                json.WriteNumber("window", step.Window);
                json.WriteNumber("level", step.Level);
                json.WriteString("value", plan.Curriculum?.Levels[step.Level]);
                Number(json, "success_rate", step.SuccessRate);
                json.WriteBoolean("promoted", step.Promoted);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        });
    }

    public static void WriteScore(string scenarioId, string inputPath, string outputPath, int written, TimeSpan elapsed, RolloutSummary s) =>
        Write(json =>
        {
            json.WriteString("command", "score");
            json.WriteString("input", inputPath);
            json.WriteString("scenario", scenarioId);
            json.WriteString("output", outputPath);
            Number(json, "elapsed_seconds", elapsed.TotalSeconds);
            Number(json, "episodes_per_second", written / Math.Max(elapsed.TotalSeconds, 1e-9));
            json.WriteStartObject("file");
            json.WriteNumber("written", written);
            json.WriteEndObject();
            WriteSummary(json, s);
        });

    private static void Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        using var stdout = Console.OpenStandardOutput();
        buffer.WriteTo(stdout);
        stdout.Write("\n"u8);
        stdout.Flush();
    }

    private static void WriteSummary(Utf8JsonWriter json, RolloutSummary s)
    {
        json.WriteNumber("episodes", s.Episodes);
        json.WriteNumber("completed", s.Completed);
        json.WriteNumber("failed", s.Failed);
        json.WriteNumber("cancelled", s.Cancelled);
        Number(json, "success_rate", s.SuccessRate);
        Number(json, "mean_reward", s.MeanReward);
        Number(json, "mean_turns", s.MeanTurns);
        json.WriteNumber("total_steps", s.TotalSteps);
        json.WriteStartObject("reward");
        Stats(json, s.Reward.Mean, s.Reward.P50, s.Reward.P90, s.Reward.Min, s.Reward.Max);
        json.WriteEndObject();
        json.WriteStartArray("components");
        foreach (var c in s.Components)
        {
            json.WriteStartObject();
            json.WriteString("name", c.Name);
            json.WriteString("kind", Kind(c.Kind));
            Stats(json, c.Mean, c.P50, c.P90, c.Min, c.Max);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("context_tokens");
        ContextTokens(json, "peak", s.PeakContextTokens);
        ContextTokens(json, "mean_over_turns", s.MeanContextTokens);
        json.WriteEndObject();
        json.WriteStartObject("stop_reasons");
        foreach (var (reason, count) in s.StopReasons)
        {
            json.WriteNumber(reason, count);
        }

        json.WriteEndObject();
        json.WriteStartArray("failures");
        foreach (var failure in s.FailureMessages)
        {
            json.WriteStartObject();
            json.WriteString("message", failure.Message);
            json.WriteNumber("count", failure.Count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (s.Groups is { } g)
        {
            json.WriteStartObject("groups");
            json.WriteNumber("groups", g.Groups);
            json.WriteNumber("k", g.K);
            Number(json, "pass_at_1", g.PassAt1);
            Number(json, "pass_at_k", g.PassAtK);
            Number(json, "pass_hat_k", g.PassHatK);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("groups");
        }

        if (s.Advantages is { } a)
        {
            json.WriteStartObject("advantages");
            json.WriteNumber("groups", a.Groups);
            json.WriteNumber("k", a.K);
            json.WriteNumber("zero_variance_groups", a.ZeroVarianceGroups);
            Number(json, "zero_variance_share", a.ZeroVarianceShare);
            Number(json, "mean_abs_grpo", a.MeanAbsGrpo);
            Number(json, "mean_abs_rloo", a.MeanAbsRloo);
            Number(json, "mean_group_std", a.MeanGroupStd);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("advantages");
        }

        Questions(json, s.Questions);
        Diagnostics(json, s.Diagnostics);
    }

    private static void Questions(Utf8JsonWriter json, QuestionStats? questions)
    {
        if (questions is null)
        {
            json.WriteNull("questions");
            return;
        }

        json.WriteStartObject("questions");
        json.WriteStartObject("all");
        QuestionFields(json, questions.All);
        json.WriteEndObject();
        json.WriteStartArray("groups");
        foreach (var group in questions.Groups)
        {
            json.WriteStartObject();
            json.WriteString("field", group.Field);
            json.WriteString("value", group.Value);
            QuestionFields(json, group.Metrics);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void QuestionFields(Utf8JsonWriter json, QuestionMetrics m)
    {
        json.WriteNumber("questions", m.Questions);
        json.WriteNumber("episodes", m.Episodes);
        Number(json, "exact_match", m.ExactMatch);
        Number(json, "token_f1", m.TokenF1);
        Number(json, "success_rate", m.SuccessRate);
    }

    private static void Diagnostics(Utf8JsonWriter json, RewardDiagnostics d)
    {
        json.WriteStartObject("diagnostics");
        json.WriteNumber("episodes", d.Episodes);
        Number(json, "success_rate", d.SuccessRate);
        json.WriteStartArray("components");
        foreach (var c in d.Components)
        {
            json.WriteStartObject();
            json.WriteString("name", c.Name);
            json.WriteString("kind", Kind(c.Kind));
            Number(json, "success_correlation", c.SuccessCorrelation);
            Number(json, "raw_success_correlation", c.RawSuccessCorrelation);
            Number(json, "mean_raw", c.MeanRaw);
            Number(json, "mean_value", c.MeanValue);
            Number(json, "weight", c.Weight);
            Number(json, "paid_share", c.PaidShare);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        Number(json, "unsuccessful_process_share", d.UnsuccessfulProcessShare);
        Number(json, "length_reward_correlation", d.LengthRewardCorrelation);
        Number(json, "length_success_correlation", d.LengthSuccessCorrelation);
        Number(json, "format_valid_rate", d.FormatValidRate);
        if (d.SuccessTrend is { } t)
        {
            json.WriteStartObject("success_trend");
            Number(json, "first_half", t.FirstHalf);
            Number(json, "second_half", t.SecondHalf);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("success_trend");
        }

        json.WriteStartArray("warnings");
        foreach (var warning in d.Warnings)
        {
            json.WriteStringValue(warning);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Stats(Utf8JsonWriter json, double mean, double p50, double p90, double min, double max)
    {
        Number(json, "mean", mean);
        Number(json, "p50", p50);
        Number(json, "p90", p90);
        Number(json, "min", min);
        Number(json, "max", max);
    }

    private static void ContextTokens(Utf8JsonWriter json, string name, ContextTokenStats stats)
    {
        json.WriteStartObject(name);
        Number(json, "mean", stats.Mean);
        Number(json, "p50", stats.P50);
        Number(json, "p90", stats.P90);
        Number(json, "max", stats.Max);
        json.WriteEndObject();
    }

    // Undefined numbers (a correlation of a constant, a NaN reward) are null: JSON has no NaN.
    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Kind(Gym.Core.Rewards.RewardKind kind) => kind.ToString().ToLowerInvariant();
}
