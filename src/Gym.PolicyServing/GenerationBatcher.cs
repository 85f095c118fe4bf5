using System.Threading.Channels;
using Gym.Learning.Model;

namespace Gym.PolicyServing;

/// <summary>
/// Owns the model while it serves: one generation thread takes the requests that arrived while the
/// previous batch was generating (up to <c>maxBatch</c>) and generates them together, one
/// <see cref="PolicyModel.Generate(IReadOnlyList{int[]}, SamplingOptions, IReadOnlyList{ulong}?)"/> call per
/// (temperature, top-p) pair among them. Each request samples from its own seed, so what it gets does not
/// depend on which other requests shared its batch (up to float rounding between batch shapes).
/// </summary>
/// <remarks>
/// Requests in one batch may ask for different <c>max_tokens</c>: the batch runs to the largest and each
/// sequence is cut at its own budget, which gives the tokens it would have had alone (its draws come from
/// its own stream). TorchSharp's dispose scopes are thread-static, so all model work stays on the one thread.
/// </remarks>
public sealed class GenerationBatcher : IDisposable
{
    private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ServedModel _served;
    private readonly int _maxBatch;
    private readonly IReadOnlyList<int> _stopTokenIds;
    private readonly Thread _thread;
    private long _batches;
    private long _requests;
    private long _generatedTokens;
    private int _largestBatch;

    /// <summary>Starts the generation thread.</summary>
    /// <param name="served">The model and tokenizer.</param>
    /// <param name="maxBatch">Most requests generated together.</param>
    public GenerationBatcher(ServedModel served, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _served = served;
        _maxBatch = maxBatch;
        _stopTokenIds = served.CreateTemplate().StopTokenIds;
        _thread = new Thread(Run) { IsBackground = true, Name = "gym-policy-generation" };
        _thread.Start();
    }

    /// <summary>Generation calls made so far (a batch with two sampling settings makes two).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Requests generated so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Tokens generated so far, after each request's own budget cut.</summary>
    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);

    /// <summary>The most requests one generation call held.</summary>
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    /// <summary>Queues one generation and waits for it.</summary>
    /// <param name="prompt">The rendered prompt; shorter than the model's context.</param>
    /// <param name="seed">The request's sampling seed.</param>
    /// <param name="temperature">0 for greedy.</param>
    /// <param name="topP">Nucleus threshold in (0, 1].</param>
    /// <param name="maxTokens">The token budget.</param>
    /// <param name="cancellationToken">A request cancelled before its batch starts is dropped from it.</param>
    /// <exception cref="InvalidOperationException">The batcher has stopped.</exception>
    public Task<GeneratedSequence> GenerateAsync(int[] prompt, ulong seed, double temperature, double topP, int maxTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        var job = new Job(prompt, seed, temperature, topP, maxTokens, new TaskCompletionSource<GeneratedSequence>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        return _jobs.Writer.TryWrite(job) ? job.Result.Task : throw new InvalidOperationException("the policy server is shutting down");
    }

    /// <summary>Stops taking requests, generates those already queued, and ends the generation thread.</summary>
    public void Dispose()
    {
        _jobs.Writer.TryComplete();
        _thread.Join();
    }

    private void Run()
    {
        var batch = new List<Job>(_maxBatch);
        while (_jobs.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            // Everything that queued while the previous batch generated goes into this one.
            batch.Clear();
            while (batch.Count < _maxBatch && _jobs.Reader.TryRead(out var job))
            {
                if (job.Cancellation.IsCancellationRequested)
                {
                    job.Result.TrySetCanceled(job.Cancellation);
                    continue;
                }

                batch.Add(job);
            }

            foreach (var group in batch.GroupBy(j => (j.Temperature, j.TopP)))
            {
                Generate([.. group]);
            }
        }
    }

    private void Generate(Job[] jobs)
    {
        try
        {
            var options = new SamplingOptions(jobs.Max(j => j.MaxTokens), jobs[0].Temperature, jobs[0].TopP, _stopTokenIds);
            var sequences = _served.Model.Generate([.. jobs.Select(j => j.Prompt)], options, [.. jobs.Select(j => j.Seed)]);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _requests, jobs.Length);
            if (jobs.Length > Volatile.Read(ref _largestBatch))
            {
                Volatile.Write(ref _largestBatch, jobs.Length);
            }

            for (var i = 0; i < jobs.Length; i++)
            {
                var sequence = Cut(sequences[i], jobs[i].MaxTokens);
                Interlocked.Add(ref _generatedTokens, sequence.TokenIds.Count);
                jobs[i].Result.TrySetResult(sequence);
            }
        }
        catch (Exception ex)
        {
            // A failed generation fails its requests (500), never the server.
            foreach (var job in jobs)
            {
                job.Result.TrySetException(ex);
            }
        }
    }

    private static GeneratedSequence Cut(GeneratedSequence sequence, int maxTokens) =>
        sequence.TokenIds.Count <= maxTokens
            ? sequence
            : new GeneratedSequence([.. sequence.TokenIds.Take(maxTokens)], [.. sequence.LogProbs.Take(maxTokens)], FinishReason.Length);

    private sealed record Job(int[] Prompt, ulong Seed, double Temperature, double TopP, int MaxTokens, TaskCompletionSource<GeneratedSequence> Result, CancellationToken Cancellation);
}
