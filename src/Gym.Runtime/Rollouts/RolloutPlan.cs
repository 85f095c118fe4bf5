using Gym.Core.Context;
using Gym.Core.Seeding;

namespace Gym.Runtime.Rollouts;

/// <summary>What a rollout run plays: which environment, how many episodes, how many at once, from which seed.</summary>
/// <param name="EnvironmentId">A registered environment id.</param>
/// <param name="Parameters">Environment parameters (<c>key=value</c>).</param>
/// <param name="Episodes">How many episodes to play.</param>
/// <param name="Concurrency">How many episodes are live at once.</param>
/// <param name="Seed">The run seed; episode seeds derive from it.</param>
/// <param name="GroupSize">Episodes per seed (G same-seed episodes form a group, as GRPO needs).</param>
/// <param name="RecordTimings">Record wall-clock timings in each episode (breaks byte-identical reruns).</param>
/// <param name="Memory">What the policy sees each turn; the default value is the full history.</param>
/// <param name="Tokenizer">Counts context tokens: a name or file for <see cref="TokenCounters.Create"/>.</param>
/// <param name="Curriculum">A schedule over one environment parameter, promoted by success rate; none by default.</param>
/// <param name="FirstEpisode">The first episode to play: episodes before it are already in the output (a resumed run); 0 by default.</param>
public sealed record RolloutPlan(
    string EnvironmentId,
    IReadOnlyDictionary<string, string> Parameters,
    int Episodes,
    int Concurrency,
    long Seed,
    int GroupSize = 1,
    bool RecordTimings = false,
    MemorySpec Memory = default,
    string Tokenizer = TokenCounters.DefaultName,
    CurriculumPlan? Curriculum = null,
    long FirstEpisode = 0)
{
    /// <summary>The seed of episode <paramref name="episode"/>: the same for every member of a group.</summary>
    public long SeedOf(long episode) => SeededRandom.EpisodeSeed(Seed, episode / GroupSize);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first invalid field. Loads the tokenizer
    /// (cached process-wide, so episodes reuse it) so that a bad name or file fails the run up front.
    /// </summary>
    public void Validate()
    {
        ValidateSettings();
        TokenCounters.Create(Tokenizer);
    }

    /// <summary>
    /// <see cref="Validate"/> without loading the tokenizer: the checks that take no time, for a caller that
    /// loads the tokenizer in the background (<see cref="TokenCounters.Preload"/>) and validates it later.
    /// </summary>
    public void ValidateSettings()
    {
        if (Episodes < 0)
        {
            throw new ArgumentException($"episodes must be zero or more (got {Episodes})");
        }

        if (FirstEpisode < 0 || FirstEpisode > Episodes)
        {
            throw new ArgumentException($"the first episode must be between 0 and the episode count {Episodes} (got {FirstEpisode})");
        }

        if (FirstEpisode > 0 && Curriculum is not null)
        {
            // Levels depend on the successes of every earlier window, which a resumed run has not seen.
            throw new ArgumentException("a run with a curriculum cannot start after episode 0 (resume is not supported for curriculum runs)");
        }

        if (Concurrency < 1)
        {
            throw new ArgumentException($"concurrency must be at least 1 (got {Concurrency})");
        }

        if (GroupSize < 1)
        {
            throw new ArgumentException($"group size must be at least 1 (got {GroupSize})");
        }

        Memory.Validate();
        Curriculum?.Validate();
    }
}
