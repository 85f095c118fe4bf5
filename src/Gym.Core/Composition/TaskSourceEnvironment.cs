using Gym.Core.Datasets;
using Gym.Core.Episodes;

namespace Gym.Core.Composition;

/// <summary>
/// Plays the tasks of any <see cref="ITaskSource"/> under settings of the caller's choosing, e.g.
/// a source's own settings plus <see cref="ToolEnvironmentSettings.Faults"/> (see <see cref="Compose.WithToolFaults"/>).
/// The environment owns its source: disposing it disposes the source when that is disposable.
/// </summary>
public sealed class TaskSourceEnvironment : ToolEnvironment, IQuestionPool
{
    /// <summary>Creates the environment.</summary>
    /// <param name="id">The environment id recorded in trajectories.</param>
    /// <param name="source">Where tasks come from.</param>
    /// <param name="settings">The settings to play them with; defaults to the source's.</param>
    public TaskSourceEnvironment(string id, ITaskSource source, ToolEnvironmentSettings? settings = null)
        : base(id, settings ?? (source ?? throw new ArgumentNullException(nameof(source))).Settings)
    {
        Source = source;
    }

    /// <summary>Where tasks come from.</summary>
    public ITaskSource Source { get; }

    /// <summary>The source's question count when it is a question pool, else 0.</summary>
    public int QuestionCount => (Source as IQuestionPool)?.QuestionCount ?? 0;

    /// <summary>The source's order when it is a question pool, else <see cref="DatasetOrder.Sample"/>.</summary>
    public DatasetOrder Order => (Source as IQuestionPool)?.Order ?? DatasetOrder.Sample;

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) => Source.CreateTask(seed);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeOwned(Source);
        }

        base.Dispose(disposing);
    }
}
