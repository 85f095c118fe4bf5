using System.IO.Compression;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// <c>gym render</c> prints the prompt a policy reads at a turn, with a real tokenizer and its chat template
/// (the Qwen2.5 files the template tests use), from a fresh episode or a rollout file.
/// </summary>
public sealed class RenderCommandTests
{
    private static readonly string Scenario = RepositoryFolders.Path("scenarios", "search-qa", "multi-hop.yaml");

    // Qwen2.5's real tokenizer.json and tokenizer_config.json (whose chat_template is Qwen2.5's) in a folder.
    private static string QwenFolder(TempDirectory dir) => ModelFolder(dir, "qwen2.5");

    // A real model's tokenizer.json and tokenizer_config.json, as a checkpoint folder holds them.
    private static string ModelFolder(TempDirectory dir, string model)
    {
        var fixtures = RepositoryFolders.Path("tests", "Gym.Learning.Tests", "Fixtures", "Tokenizers", model);
        var folder = Directory.CreateDirectory(dir.File(model)).FullName;
        using (var gzip = new GZipStream(File.OpenRead(Path.Combine(fixtures, "tokenizer.json.gz")), CompressionMode.Decompress))
        using (var output = File.Create(Path.Combine(folder, "tokenizer.json")))
        {
            gzip.CopyTo(output);
        }

        File.Copy(Path.Combine(fixtures, "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"));
        return folder;
    }

    [Fact]
    public async Task A_checkpoint_folder_renders_with_its_own_template_tool_results_as_the_model_expects()
    {
        using var dir = new TempDirectory();
        var model = QwenFolder(dir);

        var result = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "1", "--checkpoint", model);

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().StartWith("<|im_start|>system\n")
            .And.Contain("<|im_end|>\n<|im_start|>user\n<tool_response>\n<information>Doc 1(Title:")
            .And.NotContain("<|im_start|>tool")
            .And.EndWith("<|im_start|>assistant\n");
        result.Stderr.Should().Contain("turn 1 of").And.Contain("template qwen2.5");
    }

    [Fact]
    public async Task A_llama3_checkpoint_renders_with_its_template_headers_and_begin_of_text()
    {
        using var dir = new TempDirectory();
        var model = ModelFolder(dir, "llama3");

        var text = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "1", "--checkpoint", model);
        var ids = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "1", "--checkpoint", model, "--ids");

        text.ExitCode.Should().Be(0, text.Because);
        text.Stderr.Should().Contain("template llama3");
        // Meta-Llama-3-8B's template: a header per message, content trimmed, <|eot_id|> after each, BOS once.
        text.Stdout.Should().StartWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou solve tasks")
            .And.Contain("<|eot_id|><|start_header_id|>tool<|end_header_id|>\n\n<information>Doc 1(Title:")
            .And.EndWith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        text.Stdout.Split("<|begin_of_text|>").Should().HaveCount(2, "the BOS token comes once, before the first message");
        var tokens = ids.Stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        tokens[0].Should().Be("128000:<|begin_of_text|>");
        tokens.Should().Contain("128006:<|start_header_id|>").And.Contain("128009:<|eot_id|>");
    }

    [Fact]
    public async Task Ids_mark_special_tokens_and_count_as_the_summary_says()
    {
        using var dir = new TempDirectory();
        var model = QwenFolder(dir);

        var text = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "1", "--tokenizer", Path.Combine(model, "tokenizer.json"));
        var ids = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "1", "--tokenizer", Path.Combine(model, "tokenizer.json"), "--ids");

        ids.ExitCode.Should().Be(0, ids.Because);
        var tokens = ids.Stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        ids.Stderr.Should().Contain($", {tokens.Length} tokens,").And.Be(text.Stderr);
        tokens[0].Should().Be("151644:<|im_start|>");
        tokens.Should().Contain("151645:<|im_end|>").And.Contain("872", "'user' is ordinary text");
        ids.StdoutLines.Should().OnlyContain(line => line.StartsWith("151644:<|im_start|>", StringComparison.Ordinal), "each message starts a line");
    }

    [Fact]
    public async Task A_named_template_overrides_the_tokenizer_config()
    {
        using var dir = new TempDirectory();
        var model = QwenFolder(dir);

        var result = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "1", "--checkpoint", model, "--template", "qwen2");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("<|im_end|>\n<|im_start|>tool\n<information>");
        result.Stderr.TrimEnd().Should().EndWith("template qwen2");
    }

    [Fact]
    public async Task The_memory_mode_changes_what_a_later_turn_shows()
    {
        using var dir = new TempDirectory();

        var full = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "2", "--memory", "full");
        var mem1 = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--seed", "3", "--turn", "2", "--memory", "mem1");

        full.ExitCode.Should().Be(0, full.Because);
        mem1.ExitCode.Should().Be(0, mem1.Because);
        full.Stdout.Should().StartWith("<|bos|><|im_start|>system\n").And.Contain("[plan 0/3]", "the full history keeps the first action");
        mem1.Stdout.Should().NotContain("[plan 0/3]", "MEM1 keeps only the latest action");
        mem1.Stdout.Length.Should().BeLessThan(full.Stdout.Length);
    }

    [Fact]
    public async Task An_episode_from_a_rollout_file_renders_its_recorded_context()
    {
        using var dir = new TempDirectory();
        var run = await GymProcess.RunAsync(dir.Path, "run", Scenario, "--episodes", "2", "--seed", "11", "--out", "r.jsonl", "--no-progress");
        run.ExitCode.Should().Be(0, run.Because);
        var record = RolloutFile.Read(dir.File("r.jsonl")).Single(r => r.Episode == 1);

        var result = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--from", "r.jsonl", "--episode", "1", "--turn", "-1");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain(record.Prompt[^1].Content).And.Contain(record.Turns[^2].Action.Text);
        result.Stderr.Should().Contain($"episode 1 (seed {record.Seed}), turn {record.Turns.Count - 1} of {record.Turns.Count}");
    }

    [Theory]
    [InlineData("--turn 99", "--turn 99: episode 0 has 3 turn(s), 0 to 2")]
    [InlineData("--template mistral", "unknown chat template 'mistral'; the built-in templates are chatml, qwen2, qwen2.5, qwen3, llama3")]
    [InlineData("--template llama3", "the tokenizer has no special token <|start_header_id|>")]
    [InlineData("--from missing.jsonl --episode 0", "missing.jsonl: no such rollout file")]
    [InlineData("--from missing.jsonl", "--from needs --episode K")]
    [InlineData("--episode 3", "--episode applies to --from only")]
    [InlineData("--policy openai:m", "--policy must be expert or expert:RATE for gym render")]
    public async Task Bad_input_is_one_clear_usage_error(string arguments, string message)
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, ["render", Scenario, "--seed", "3", .. arguments.Split(' ')]);

        result.ExitCode.Should().Be(2, result.Because);
        result.Stderr.Should().Contain(message).And.NotContain("   at ");
    }

    [Fact]
    public async Task An_unrecognised_jinja_template_names_the_template_option()
    {
        using var dir = new TempDirectory();
        var model = QwenFolder(dir);
        File.WriteAllText(Path.Combine(model, "tokenizer_config.json"), """{"chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}", "eos_token": "<|im_end|>"}""");

        var result = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--checkpoint", model);

        result.ExitCode.Should().Be(2, result.Because);
        result.Stderr.Should().Contain("chat_template is a Jinja template Gym does not recognise").And.Contain("--template NAME");
    }

    [Fact]
    public async Task Help_explains_every_option()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "render", "--help");

        result.ExitCode.Should().Be(0, result.Because);
        foreach (var option in new[] { "--seed", "--turn", "--checkpoint", "--template", "--tokenizer", "--ids", "--memory", "--policy", "--from", "--episode", "--param" })
        {
            result.Stdout.Should().Contain(option);
        }

        // The CLI writes the names out (building commands must not load Gym.Learning); they must stay the built-in formats.
        result.Stdout.Should().Contain(Gym.Learning.Policy.ChatFormats.Names);
    }

    [Fact]
    public async Task Run_counts_context_tokens_with_a_hugging_face_tokenizer_json()
    {
        using var dir = new TempDirectory();
        var model = QwenFolder(dir);

        var result = await GymProcess.RunAsync(dir.Path, "run", Scenario, "--episodes", "1", "--seed", "3", "--out", "r.jsonl", "--no-progress", "--tokenizer", Path.Combine(model, "tokenizer.json"));
        var render = await GymProcess.RunAsync(dir.Path, "render", Scenario, "--from", "r.jsonl", "--episode", "0", "--turn", "0", "--checkpoint", model);

        result.ExitCode.Should().Be(0, result.Because);
        var turn = RolloutFile.Read(dir.File("r.jsonl")).Single().Turns[0];
        turn.ContextTokens.Should().BeGreaterThan(0);

        // The count is the template's ids per message: the rendered prompt less the generation prompt (3 ids).
        render.Stderr.Should().Contain($", {turn.ContextTokens + 3} tokens,");
    }
}
