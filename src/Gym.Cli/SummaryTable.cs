using System.Globalization;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;
using Spectre.Console;

namespace Gym.Cli;

/// <summary>Prints the end-of-run summary: totals, reward components, stop reasons and failures.</summary>
internal static class SummaryTable
{
    public static void Write(RolloutPlan plan, string policyId, string outputPath, RolloutResult result, RunFileReport file)
    {
        var s = result.Summary;
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-9);
        var overview = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(plan.EnvironmentId)}[/] · policy {Markup.Escape(policyId)} · seed {plan.Seed}");
        overview.AddColumn("run").AddColumn(new TableColumn("value").RightAligned());
        overview.AddRow("episodes", N(s.Episodes));
        overview.AddRow("completed / failed / cancelled", $"{N(s.Completed)} / {N(s.Failed)} / {N(s.Cancelled)}");
        overview.AddRow("success rate", Pct(s.SuccessRate));
        overview.AddRow("mean reward", F(s.MeanReward));
        overview.AddRow("mean turns", F(s.MeanTurns, "0.00"));
        overview.AddRow("memory · tokenizer", $"{Markup.Escape(plan.Memory.ToString())} · {Markup.Escape(plan.Tokenizer)}");
        overview.AddRow("steps/s", F(s.TotalSteps / seconds, "0"));
        overview.AddRow("episodes/s", F(s.Episodes / seconds, "0.0"));
        AnsiConsole.Write(overview);

        WriteComponents(s);

        var context = new Table().Border(TableBorder.Rounded).Title("context tokens per episode");
        context.AddColumn("context tokens").AddColumn(new TableColumn("mean").RightAligned()).AddColumn(new TableColumn("p50").RightAligned()).AddColumn(new TableColumn("p90").RightAligned()).AddColumn(new TableColumn("max").RightAligned());
        context.AddRow("peak", F(s.PeakContextTokens.Mean, "0.0"), F(s.PeakContextTokens.P50, "0"), F(s.PeakContextTokens.P90, "0"), F(s.PeakContextTokens.Max, "0"));
        context.AddRow("mean over turns", F(s.MeanContextTokens.Mean, "0.0"), F(s.MeanContextTokens.P50, "0.0"), F(s.MeanContextTokens.P90, "0.0"), F(s.MeanContextTokens.Max, "0.0"));
        AnsiConsole.Write(context);

        if (s.Groups is { } g)
        {
            var groups = new Table().Border(TableBorder.Rounded).Title($"success over {N(g.Groups)} groups of {N(g.K)} same-seed episodes");
            groups.AddColumn("pass@1").AddColumn($"pass@{g.K}").AddColumn($"pass^{g.K}");
            groups.AddRow(Pct(g.PassAt1), Pct(g.PassAtK), Pct(g.PassHatK));
            AnsiConsole.Write(groups);
        }

        WriteAdvantages(s);
        WriteQuestions(s);

        if (result.Completion.Curriculum.Count > 0)
        {
            var curriculum = new Table().Border(TableBorder.Rounded).Title($"curriculum over '{Markup.Escape(plan.Curriculum?.Parameter ?? "")}'");
            curriculum.AddColumn("window").AddColumn("level").AddColumn("value").AddColumn("success rate").AddColumn("promoted");
            foreach (var step in result.Completion.Curriculum)
            {
                curriculum.AddRow(N(step.Window), N(step.Level), Markup.Escape(plan.Curriculum!.Levels[step.Level]), Pct(step.SuccessRate), step.Promoted ? "yes" : "");
            }

            AnsiConsole.Write(curriculum);
        }

        var reasons = new Table().Border(TableBorder.Rounded).Title("episodes by stop reason");
        reasons.AddColumn("stop reason").AddColumn(new TableColumn("episodes").RightAligned());
        foreach (var (reason, count) in s.StopReasons)
        {
            reasons.AddRow(Markup.Escape(reason), N(count));
        }

        AnsiConsole.Write(reasons);
        foreach (var failure in s.FailureMessages)
        {
            AnsiConsole.MarkupLine($"[red]failed ×{failure.Count}[/]: {Markup.Escape(failure.Message)}");
        }

        // Last before the closing line, so that a warning is among the last things a reader sees.
        WriteDiagnostics(s.Diagnostics);

        if (file.ResumedAt > 0 || file.TornBytes > 0)
        {
            var torn = file.TornBytes > 0 ? string.Create(CultureInfo.InvariantCulture, $" after cutting off a torn last line ({file.TornBytes} bytes)") : "";
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"resumed: the file already held episodes 0–{file.ResumedAt - 1}; continued from episode {file.ResumedAt}{torn}"));
        }

        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"wrote {file.Written} episodes to [bold]{Markup.Escape(outputPath)}[/] in {result.Elapsed.TotalSeconds:0.0} s"));
        if (result.WasCancelled)
        {
            var end = file.ResumedAt + file.Written;
            var dropped = file.Dropped > 0
                ? string.Create(CultureInfo.InvariantCulture, $" and {file.Dropped} that finished after the first cancelled one were dropped (the tables above count them)")
                : "";
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[yellow]stopped early: {result.Completion.Cancelled} live episodes were cancelled{dropped}, so the file holds {(end == 0 ? "no episode yet" : $"exactly episodes 0–{end - 1} in order")}, a prefix of the full run; the same command with --resume plays the rest[/]"));
        }
    }

    /// <summary>The summary of <c>gym score</c>: totals, reward components and diagnostics of the re-scored file.</summary>
    public static void WriteScore(string scenarioId, string inputPath, string outputPath, int episodes, TimeSpan elapsed, RolloutSummary s)
    {
        var overview = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(inputPath)}[/] re-scored with {Markup.Escape(scenarioId)}");
        overview.AddColumn("re-score").AddColumn(new TableColumn("value").RightAligned());
        overview.AddRow("episodes", N(s.Episodes));
        overview.AddRow("completed / failed / cancelled", $"{N(s.Completed)} / {N(s.Failed)} / {N(s.Cancelled)}");
        overview.AddRow("success rate", Pct(s.SuccessRate));
        overview.AddRow("mean reward", F(s.MeanReward));
        overview.AddRow("episodes/s", F(episodes / Math.Max(elapsed.TotalSeconds, 1e-9), "0"));
        AnsiConsole.Write(overview);
        WriteComponents(s);
        WriteAdvantages(s);
        WriteQuestions(s);
        WriteDiagnostics(s.Diagnostics);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"wrote {episodes} re-scored episodes to [bold]{Markup.Escape(outputPath)}[/] in {elapsed.TotalSeconds:0.0} s"));
    }

    private static void WriteAdvantages(RolloutSummary s)
    {
        if (s.Advantages is not { } a)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"group normalizers over {N(a.Groups)} groups of {N(a.K)} (total reward)");
        table.AddColumn("zero-variance groups (dropped by GRPO)").AddColumn(new TableColumn("mean |A| GRPO").RightAligned()).AddColumn(new TableColumn("mean |A| RLOO").RightAligned()).AddColumn(new TableColumn("mean group std").RightAligned());
        table.AddRow($"{N(a.ZeroVarianceGroups)} ({Pct(a.ZeroVarianceShare)})", F(a.MeanAbsGrpo), F(a.MeanAbsRloo), F(a.MeanGroupStd));
        AnsiConsole.Write(table);
    }

    /// <summary>
    /// Metrics over distinct questions, the figure a dev-set table reports: an episode count over a dataset
    /// drawn with replacement would weigh repeated questions more, and the rows show where a model is weak.
    /// </summary>
    private static void WriteQuestions(RolloutSummary s)
    {
        if (s.Questions is not { } q)
        {
            return;
        }

        // The title stays short: a title wider than the table wraps, and the counts are columns anyway.
        var table = new Table().Border(TableBorder.Rounded).Title("over distinct questions");
        table.AddColumn("questions").AddColumn(new TableColumn("distinct").RightAligned()).AddColumn(new TableColumn("episodes").RightAligned())
            .AddColumn(new TableColumn("EM").RightAligned()).AddColumn(new TableColumn("F1").RightAligned()).AddColumn(new TableColumn("success").RightAligned());
        void Row(string name, QuestionMetrics m) =>
            table.AddRow(name, N(m.Questions), N(m.Episodes), m.ExactMatch is { } em ? F(em) : "n/a", m.TokenF1 is { } f1 ? F(f1) : "n/a", Pct(m.SuccessRate));
        Row("[bold]all[/]", q.All);
        foreach (var group in q.Groups)
        {
            Row(Markup.Escape($"{group.Field} = {group.Value}"), group.Metrics);
        }

        AnsiConsole.Write(table);
    }

    private static void WriteComponents(RolloutSummary s)
    {
        var components = new Table().Border(TableBorder.Rounded).Title("reward per episode");
        components.AddColumn("component").AddColumn("kind").AddColumn(new TableColumn("mean").RightAligned()).AddColumn(new TableColumn("p50").RightAligned()).AddColumn(new TableColumn("p90").RightAligned()).AddColumn(new TableColumn("min").RightAligned()).AddColumn(new TableColumn("max").RightAligned());
        components.AddRow("[bold]total[/]", "", F(s.Reward.Mean), F(s.Reward.P50), F(s.Reward.P90), F(s.Reward.Min), F(s.Reward.Max));
        foreach (var c in s.Components)
        {
            components.AddRow(Markup.Escape(c.Name), c.Kind.ToString().ToLowerInvariant(), F(c.Mean), F(c.P50), F(c.P90), F(c.Min), F(c.Max));
        }

        AnsiConsole.Write(components);
    }

    private static void WriteDiagnostics(RewardDiagnostics d)
    {
        if (d.Episodes == 0)
        {
            AnsiConsole.MarkupLine("reward diagnostics: n/a (no completed episode with turns)");
            return;
        }

        // Short headers keep the table inside 80 columns when output is redirected; the title says what "corr." is.
        var table = new Table().Border(TableBorder.Rounded).Title($"reward diagnostics over {N(d.Episodes)} completed episodes (corr. with success)");
        table.AddColumn("component").AddColumn("kind").AddColumn(new TableColumn("corr.").RightAligned()).AddColumn(new TableColumn("raw corr.").RightAligned()).AddColumn(new TableColumn("mean raw").RightAligned()).AddColumn(new TableColumn("weight").RightAligned()).AddColumn(new TableColumn("paid share").RightAligned());
        foreach (var c in d.Components)
        {
            table.AddRow(Markup.Escape(c.Name), c.Kind.ToString().ToLowerInvariant(), R(c.SuccessCorrelation), R(c.RawSuccessCorrelation), F(c.MeanRaw), F(c.Weight, "0.###"), c.PaidShare is { } share ? Pct(share) : "n/a");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"process reward earned in unsuccessful episodes: {(d.UnsuccessfulProcessShare is { } p ? Pct(p) : "n/a")} (success rate {Pct(d.SuccessRate)})");
        AnsiConsole.MarkupLine($"length/reward correlation: {R(d.LengthRewardCorrelation)} (length/success {R(d.LengthSuccessCorrelation)})");
        AnsiConsole.MarkupLine($"format-valid rate: {(d.FormatValidRate is { } f ? Pct(f) : "n/a")}");
        if (d.SuccessTrend is { } t)
        {
            AnsiConsole.MarkupLine($"success rate first half → second half: {Pct(t.FirstHalf)} → {Pct(t.SecondHalf)}");
        }

        foreach (var warning in d.Warnings)
        {
            AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        }
    }

    // Correlations print signed with two decimals; "n/a" when undefined (a constant side, e.g. every episode succeeded).
    private static string R(double? value) => value is { } r ? r.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "n/a";

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value, string format = "0.000") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Pct(double value) => (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

/// <summary>What <c>gym run</c> did to its rollout file.</summary>
/// <param name="ResumedAt">The episode a resumed run started at (the whole lines the file held), or 0.</param>
/// <param name="TornBytes">Bytes of a torn last line cut off before resuming.</param>
/// <param name="Written">Episodes this run wrote.</param>
/// <param name="Dropped">Episodes that finished but were left out after a stop, to keep the file a prefix.</param>
internal sealed record RunFileReport(long ResumedAt, long TornBytes, long Written, long Dropped);
