using System.CommandLine;
using System.Globalization;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Datasets;
using Gym.Core.Policies.OpenAi;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Gym.Scenarios;

namespace Gym.Cli.Commands;

/// <summary><c>gym run</c>: plays episodes headless through the actor runtime and writes rollouts as JSONL.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var id = CommonOptions.EnvironmentId();
        var episodes = new Option<string>("--episodes", "-n") { Description = "How many episodes to play, or `all`: each question of a dataset task exactly once (in file order unless the scenario sets order: shuffled).", DefaultValueFactory = _ => "100" };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "How many episodes are live at once (each is an actor).", DefaultValueFactory = _ => 16 };
        var seed = new Option<long>("--seed", "-s") { Description = "The run seed; episode i's seed derives from it, so the same seed gives an identical output file.", DefaultValueFactory = _ => 0 };
        var policy = new Option<string>("--policy") { Description = PolicyFactory.Help, DefaultValueFactory = _ => "expert" };
        var output = new Option<string>("--out", "-o") { Description = "The rollout file to write: one JSON line per episode, in episode order.", DefaultValueFactory = _ => "rollouts.jsonl" };
        var parameters = CommonOptions.Parameters();
        var timings = new Option<bool>("--timings") { Description = "Also record wall-clock timings per episode (then reruns are no longer byte-identical)." };
        var noProgress = new Option<bool>("--no-progress") { Description = "Do not draw the live progress bar." };
        var batch = new Option<int>("--max-batch-size") { Description = "Most action requests the policy gateway sends to the policy in one call.", DefaultValueFactory = _ => 64 };
        var memory = new Option<string>("--memory")
        {
            Description = "What the agent sees each turn: full (whole history), mem1 (task prompt + latest action with its <think> state + latest observation), window:K (prompt + last K turns), strip-think (whole history, old <think> blocks removed).",
            DefaultValueFactory = _ => "full",
            HelpName = "full|mem1|window:K|strip-think",
        };
        var tokenizer = new Option<string>("--tokenizer")
        {
            Description = "Counts context tokens for the per-episode peak and mean: o200k (default), cl100k, the path of a .tiktoken BPE file, or a Hugging Face tokenizer.json (counted with its chat template, from the tokenizer_config.json beside it).",
            DefaultValueFactory = _ => TokenCounters.DefaultName,
            HelpName = "NAME|PATH",
        };

        var policyUrl = new Option<string?>("--policy-url") { Description = "For --policy openai:MODEL: the server's base URL, e.g. http://localhost:8000/v1 (requests go to URL/chat/completions).", HelpName = "URL" };
        var policyKeyEnv = new Option<string?>("--policy-api-key-env") { Description = "For --policy openai:MODEL: the environment variable holding the API key (the key itself never goes on the command line).", HelpName = "NAME" };
        var policyOptions = new Option<string[]>("--policy-option")
        {
            Description = $"For --policy openai:MODEL: KEY=VALUE, repeatable, with the scenario file's keys ({string.Join(", ", OpenAiCommandLine.Keys)}); overrides the scenario's.",
            HelpName = "KEY=VALUE",
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => [],
        };

        var groupSize = new Option<int>("--group-size", "-g")
        {
            Description = "Episodes per seed: G consecutive episodes share a seed (a GRPO group); the summary then reports pass@G and pass^G.",
            DefaultValueFactory = _ => 1,
        };

        var resume = new Option<bool>("--resume")
        {
            Description = "Continue an interrupted --out file instead of starting it over: check that its run header (FILE.run.json) matches these settings, cut off a torn last line, and append the missing episodes, giving the file an uninterrupted run writes. A missing file starts from the beginning.",
        };

        var format = SummaryFormatOption.Create();
        var head = new ClusterCommands.HeadOptions();
        var command = new Command("run", "Play episodes headless and write their trajectories as JSONL, with a live progress bar and a summary table. A scenario file supplies defaults for --episodes, --seed, --policy, --memory and --tokenizer; options given on the command line win.")
        {
            id, episodes, concurrency, seed, policy, policyUrl, policyKeyEnv, policyOptions, output, parameters, timings, noProgress, batch, memory, tokenizer, groupSize, resume, format,
        };
        foreach (var option in head.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var cluster = head.Read(result);
            var (registry, environmentId, scenario) = CommonOptions.Resolve(result.GetValue(id)!);
            StartupTrace.Mark("environment resolved");
            // The scenario's reward program (and judge cache) outlives every episode of the run.
            using var loaded = scenario;
            bool Given(Option option) => result.GetResult(option) is { Implicit: false };
            T PickValue<T>(Option<T> option, T? fromScenario)
                where T : struct => fromScenario is { } value && !Given(option) ? value : result.GetValue(option);
            string Pick(Option<string> option, string? fromScenario) => fromScenario is not null && !Given(option) ? fromScenario : result.GetValue(option)!;

            // The tokenizer's load is the largest single cost of start-up: it runs beside everything below.
            var tokenizerName = Pick(tokenizer, scenario?.Tokenizer);
            TokenCounters.Preload(tokenizerName);

            var environmentParameters = CommonOptions.ParseParameters(result.GetValue(parameters)!);
            var episodeText = Given(episodes) ? result.GetValue(episodes)! : scenario?.Spec.Episodes?.ToString(CultureInfo.InvariantCulture) ?? result.GetValue(episodes)!;
            var episodeCount = EpisodeCount(episodeText, registry, environmentId, environmentParameters);
            var plan = new RolloutPlan(
                environmentId,
                environmentParameters,
                episodeCount,
                result.GetValue(concurrency),
                PickValue(seed, scenario?.Spec.Seed),
                GroupSize: result.GetValue(groupSize),
                RecordTimings: result.GetValue(timings),
                Memory: scenario is not null && !Given(memory) ? scenario.Memory : MemorySpec.Parse(result.GetValue(memory)!),
                Tokenizer: tokenizerName,
                Curriculum: scenario?.Curriculum is { } c ? new CurriculumPlan(c.Parameter, c.Levels, c.PromoteAt, c.Window) : null);
            var policyText = Pick(policy, scenario?.Spec.Policy switch
            {
                ExpertPolicySpec expert => expert.ErrorRate == 0 ? "expert" : string.Create(CultureInfo.InvariantCulture, $"expert:{expert.ErrorRate}"),
                OpenAiPolicySpec openAi => $"openai:{openAi.Model}",
                _ => null,
            });
            var openAiLine = new OpenAiCommandLine(result.GetValue(policyUrl), result.GetValue(policyKeyEnv), result.GetValue(policyOptions)!, scenario?.Spec.Policy as OpenAiPolicySpec);
            var target = new RunOutput(result.GetValue(output)!, result.GetValue(resume), scenario?.Path);
            var source = cluster is null ? null : new ClusterSource(cluster, result.GetValue(id)!);
            if (source is not null && target.Resume)
            {
                // The cluster coordinator plans from episode 0; a resumed plan would replay the file's episodes on the workers.
                throw new CliUsageException("--resume does not combine with --cluster yet: resume the file in one process, or start a new output file");
            }

            var display = new RunDisplay(!result.GetValue(noProgress), SummaryFormatOption.Read(result, format));
            return await RunAsync(registry, plan, policyText, openAiLine, target, display, Given(batch) ? result.GetValue(batch) : null, source, cancellationToken);
        });
        return command;
    }

    private const string OrderParameter = "order";

    /// <summary>
    /// A whole number of episodes, or <c>all</c>: one per question of a dataset task. With <c>all</c> over a task
    /// that draws questions by seed (<c>order: sample</c>, the default), the run walks the file in order instead
    /// (<c>order=sequential</c> is added to <paramref name="parameters"/>): evaluating a dataset once through is
    /// what <c>all</c> asks for, and drawing by seed would repeat some questions and skip others. Only an explicit
    /// <c>--param order=sample</c> is refused.
    /// </summary>
    private static int EpisodeCount(string text, EnvironmentRegistry registry, string environmentId, Dictionary<string, string> parameters)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
        {
            // Zero episodes used to "succeed" and truncate the output file to nothing.
            return count >= 1 ? count : throw new CliUsageException($"--episodes must be at least 1 (got '{text}'); the output file is left as it is");
        }

        if (text != "all")
        {
            throw new CliUsageException($"--episodes must be a whole number or 'all' (got '{text}')");
        }

        using var made = registry.Make(environmentId, new EnvironmentParameters(parameters));
        if (made is IQuestionPool { QuestionCount: > 0, Order: DatasetOrder.Sample } sampled && !parameters.ContainsKey(OrderParameter))
        {
            parameters[OrderParameter] = "sequential";
            return sampled.QuestionCount;
        }

        return made switch
        {
            IQuestionPool { QuestionCount: > 0, Order: DatasetOrder.Sequential or DatasetOrder.Shuffled } pool => pool.QuestionCount,
            IQuestionPool { QuestionCount: > 0 } => throw new CliUsageException($"--episodes all needs {environmentId} to walk its questions in order (order: sequential or shuffled); --param order=sample draws questions with replacement"),
            _ => throw new CliUsageException($"--episodes all needs a question dataset of known size; {environmentId} is not one (give a number of episodes)"),
        };
    }

    /// <summary>A cluster head's settings and the environment id or scenario path its workers load.</summary>
    private sealed record ClusterSource(ClusterCommands.HeadSettings Settings, string Source);

    private static async Task<int> RunAsync(EnvironmentRegistry registry, RolloutPlan plan, string policyText, OpenAiCommandLine openAi, RunOutput output, RunDisplay display, int? maxBatchSize, ClusterSource? cluster, CancellationToken cancellationToken)
    {
        var outputPath = output.Path;
        plan.ValidateSettings();
        var descriptor = registry.Get(plan.EnvironmentId);
        // Fail on bad parameters before any actor starts or any file is touched.
        registry.Make(plan.EnvironmentId, new EnvironmentParameters(plan.Parameters)).Dispose();
        var policy = PolicyFactory.Create(policyText, descriptor, plan.Parameters, plan.Seed, openAi);
        using var disposePolicy = policy as IDisposable;
        PolicyGatewayOptions gateway;
        if (policy is OpenAiPolicy http)
        {
            // A server that is down is one clear error before any episode starts, not a file of failed episodes.
            await http.CheckReachableAsync(cancellationToken);

            // One request per policy call: the policy already sends concurrently, and a request that fails for
            // good then fails its own episode only, not a whole batch.
            gateway = new PolicyGatewayOptions(MaxBatchSize: maxBatchSize ?? 1, MaxConcurrentBatches: http.Options.MaxConcurrency);
        }
        else
        {
            gateway = new PolicyGatewayOptions(MaxBatchSize: maxBatchSize ?? 64);
        }

        gateway.Validate();

        // The actor system starts while the plan's tokenizer finishes loading (Validate waits for it): on two
        // cores the two start-up costs overlap instead of adding up. Stopped again if anything below fails.
        await using var starting = cluster is null ? BackgroundRuntime.Start(registry, gateway) : null;
        plan.Validate();
        StartupTrace.Mark("plan validated (tokenizer loaded)");

        var header = RunHeaderOf(plan, policy.Id, output.ScenarioPath);
        var start = OutputResume.Inspect(outputPath, header, output.Resume);
        if (start.Resumed)
        {
            plan = ResumedPlan(plan, policy.Id, outputPath, start);
        }

        await using var sink = start.Resumed ? JsonlTrajectorySink.Continue(outputPath, start.Lines, start.WholeBytes) : JsonlTrajectorySink.Create(outputPath);
        OutputResume.Record(outputPath, header, start);
        RolloutResult result;
        if (cluster is not null)
        {
            // Only here does Akka.Cluster load: ClusterCommands alone names its types.
            // The head's live bar would draw on stdout, which --format json keeps for the JSON alone.
            result = await ClusterCommands.RunHeadAsync(cluster.Settings, cluster.Source, registry, plan, policy, sink, gateway, display.Progress && display.Format == SummaryFormat.Text, cancellationToken);
        }
        else
        {
            await using var runtime = await starting!.TakeAsync();
            StartupTrace.Mark("actor system started");
            result = await ProgressDisplay.RunAsync(plan.Episodes, display.Progress, progress => runtime.Runner.RunAsync(plan, policy, sink, progress, cancellationToken), plainLines: display.Format == SummaryFormat.Json);
        }

        StartupTrace.Mark("episodes finished");
        var report = new RunFileReport(start.Lines, start.TornBytes, sink.Written, sink.Dropped);
        if (display.Format == SummaryFormat.Json)
        {
            SummaryJson.WriteRun(plan, policy.Id, outputPath, result, report);
        }
        else
        {
            SummaryTable.Write(plan, policy.Id, outputPath, result, report);
        }

        return result.WasCancelled ? ExitCodes.Cancelled : ExitCodes.Success;
    }

    /// <summary>Everything the rollout file's bytes depend on, for <c>--resume</c> to compare (the episode count is not: more episodes only add lines).</summary>
    private static RunHeader RunHeaderOf(RolloutPlan plan, string policyId, string? scenarioPath) => new("run", new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["environment_id"] = plan.EnvironmentId,
        ["scenario_sha256"] = scenarioPath is null ? "none" : OutputResume.Sha256Of(scenarioPath),
        ["parameters"] = string.Join(" ", plan.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
        ["seed"] = plan.Seed.ToString(CultureInfo.InvariantCulture),
        ["policy"] = policyId,
        ["group_size"] = plan.GroupSize.ToString(CultureInfo.InvariantCulture),
        ["memory"] = plan.Memory.ToString(),
        ["tokenizer"] = plan.Tokenizer,
        ["timings"] = plan.RecordTimings ? "on" : "off",
    });

    /// <summary>The plan that plays what a resumed file lacks, after checking its first and last lines belong to this run.</summary>
    private static RolloutPlan ResumedPlan(RolloutPlan plan, string policyId, string outputPath, OutputResume.Start start)
    {
        if (start.Lines > plan.Episodes)
        {
            throw new CliUsageException($"cannot resume {outputPath}: it already holds {start.Lines} episodes, more than the {plan.Episodes} asked for");
        }

        if (plan.Curriculum is not null && start.Lines > 0)
        {
            throw new CliUsageException($"cannot resume {outputPath}: the scenario has a curriculum, whose levels depend on every earlier episode; run without --resume to start it over");
        }

        if (start.Lines > 0)
        {
            OutputResume.CheckEpisodeLine(outputPath, 1, start.FirstLine!, 0, plan.EnvironmentId, policyId, plan.SeedOf(0));
            var last = start.Lines - 1;
            OutputResume.CheckEpisodeLine(outputPath, start.Lines, start.LastLine!, last, plan.EnvironmentId, policyId, plan.SeedOf(last));
        }

        return plan with { FirstEpisode = start.Lines };
    }

    private sealed record RunOutput(string Path, bool Resume, string? ScenarioPath);

    /// <summary>Whether to show progress, and how to print the summary.</summary>
    private sealed record RunDisplay(bool Progress, SummaryFormat Format);
}
