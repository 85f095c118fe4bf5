using System.Globalization;
using Gym.Learning.Training;

namespace Gym.Cli.Training;

/// <summary>Collects a <c>gym train</c> run's figures: per-step metrics, evaluations, and where the time went.</summary>
internal sealed class TrainReport(string environmentId, string algorithm, PolicySetup setup, OnlineTrainerOptions options, int steps)
{
    private readonly List<(int Step, EvalResult Result)> _evals = [];
    private TimeSpan _rollout;
    private TimeSpan _generation;
    private TimeSpan _update;
    private long _generatedTokens;
    private long _trainedTokens;
    private int _steps;

    /// <summary>Adds an iteration; returns its metrics for the log.</summary>
    public Dictionary<string, double> Add(OnlineIteration iteration)
    {
        _steps++;
        _rollout += iteration.RolloutTime;
        _generation += iteration.GenerationTime;
        _update += iteration.UpdateTime;
        var generated = iteration.Episodes.Sum(e => e.Turns.Sum(t => (long)(t.Action.TokenIds?.Count ?? 0)));
        _generatedTokens += generated;
        _trainedTokens += iteration.Update?.ActionTokens ?? 0;
        var values = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["train/success"] = iteration.SuccessRate,
            ["train/reward"] = iteration.MeanReward,
            ["train/turns"] = iteration.Episodes.Average(e => e.Turns.Count),
            ["train/groups_used"] = iteration.GroupsUsed,
            ["policy/version"] = iteration.PolicyVersion,
            ["policy/staleness"] = iteration.Staleness,
            ["time/rollout_s"] = iteration.RolloutTime.TotalSeconds,
            ["time/generation_s"] = iteration.GenerationTime.TotalSeconds,
            ["time/environment_s"] = iteration.EnvironmentTime.TotalSeconds,
            ["time/update_s"] = iteration.UpdateTime.TotalSeconds,
            ["tokens/generated"] = generated,
        };
        if (iteration.Update is { } update)
        {
            values["loss/total"] = update.Loss;
            values["loss/policy"] = update.PolicyTerm;
            values["loss/kl"] = update.Kl;
            values["loss/clip_fraction"] = update.ClipFraction;
            values["loss/grad_norm"] = update.GradNorm;
            values["tokens/trained"] = update.ActionTokens;
            if (options.EffectiveLoss.Algorithm == PolicyAlgorithm.Ppo)
            {
                values["loss/value"] = update.ValueLoss;
                values["ppo/explained_variance"] = update.ExplainedVariance;
            }
        }

        return values;
    }

    public void AddEval(int step, EvalResult result) => _evals.Add((step, result));

    /// <summary>Prints the summary table and writes it to summary.txt in the run folder.</summary>
    public void Write(string folder, TimeSpan wall, string curve, bool cancelled) =>
        RunFolder.WriteSummary(folder, "train", $"{environmentId} · {algorithm}", cancelled, [.. Rows(wall, curve, cancelled)]);

    private IEnumerable<(string Name, string Value)> Rows(TimeSpan wall, string curve, bool cancelled)
    {
        var c = CultureInfo.InvariantCulture;
        yield return ("model", setup.Description);
        yield return ("steps", string.Create(c, $"{_steps} of {steps}{(cancelled ? " (stopped)" : "")} · {options.TasksPerIteration} tasks × {options.GroupSize} attempts"));
        yield return ("wall time", string.Create(c, $"{wall.TotalSeconds:0.0} s"));
        if (_evals.Count > 0)
        {
            var first = _evals[0];
            var last = _evals[^1];
            var best = _evals.MaxBy(e => e.Result.SuccessRate);
            yield return ("held-out success", string.Create(c, $"{first.Result.SuccessRate:P1} at step {first.Step} → {last.Result.SuccessRate:P1} at step {last.Step} (best {best.Result.SuccessRate:P1} at step {best.Step})"));
            yield return ("held-out reward", string.Create(c, $"{first.Result.MeanReward:0.000} → {last.Result.MeanReward:0.000}"));
        }

        var busy = _rollout + _update;
        if (busy > TimeSpan.Zero)
        {
            var environment = _rollout - _generation;
            yield return ("time in generation / environment / update", string.Create(
                c,
                $"{Share(_generation, busy):P1} / {Share(environment, busy):P1} / {Share(_update, busy):P1}"));
            yield return ("generated tokens/s", string.Create(c, $"{_generatedTokens / Math.Max(_generation.TotalSeconds, 1e-9):0}"));
            yield return ("trained action tokens/s", string.Create(c, $"{_trainedTokens / Math.Max(_update.TotalSeconds, 1e-9):0}"));
        }

        yield return ("learning curve", curve);
    }

    private static double Share(TimeSpan part, TimeSpan whole) => whole > TimeSpan.Zero ? part / whole : 0;
}
