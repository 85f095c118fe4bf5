using System.Diagnostics;
using FluentAssertions;
using Gym.Core.Datasets;
using Gym.Core.Files;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Files;

/// <summary>Input files a user names: only regular files are opened, text reads are bounded and cancellable.</summary>
public sealed class InputFileTests : IDisposable
{
    private readonly string _folder = ProcessTempFolder.Create("gym-input-file-").Value;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<string> FifoAsync()
    {
        var path = Path.Combine(_folder, "pipe");
        using var mkfifo = Process.Start("mkfifo", path);
        await mkfifo.WaitForExitAsync();
        return path;
    }

    [Fact]
    public async Task Tells_regular_files_from_directories_fifos_and_devices()
    {
        var regular = Path.Combine(_folder, "a.txt");
        await File.WriteAllTextAsync(regular, "x");

        InputFile.KindOf(regular).Should().Be(InputFileKind.Regular);
        InputFile.KindOf(_folder).Should().Be(InputFileKind.Directory);
        InputFile.KindOf(Path.Combine(_folder, "missing")).Should().Be(InputFileKind.Missing);
        InputFile.KindOf("/dev/zero").Should().Be(InputFileKind.Device);
        InputFile.KindOf(await FifoAsync()).Should().Be(InputFileKind.Fifo);
    }

    [Fact]
    public async Task A_fifo_or_a_device_is_refused_without_being_opened()
    {
        var fifo = await FifoAsync();

        var readFifo = () => InputFile.ReadText(fifo, 1024, CancellationToken.None);
        var readZero = () => InputFile.ReadText("/dev/zero", 1024, CancellationToken.None);

        readFifo.Should().Throw<InputFileException>().WithMessage("it is a named pipe (FIFO), not a regular file");
        readZero.Should().Throw<InputFileException>().WithMessage("it is a device, not a regular file");
    }

    [Fact]
    public async Task Text_over_the_limit_is_refused_and_text_within_it_is_read()
    {
        var path = Path.Combine(_folder, "big.txt");
        await File.WriteAllTextAsync(path, new string('x', 3000));

        var read = () => InputFile.ReadText(path, 2048, CancellationToken.None);

        read.Should().Throw<InputFileException>().WithMessage("the file is 3000 bytes, more than the limit of 2 KiB");
        InputFile.ReadText(path, 3000, CancellationToken.None).Should().HaveLength(3000);
    }

    [Fact]
    public async Task A_cancelled_read_stops()
    {
        var path = Path.Combine(_folder, "a.txt");
        await File.WriteAllTextAsync(path, "x");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var read = () => InputFile.ReadText(path, 1024, cancellation.Token);

        read.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public async Task A_dataset_that_is_a_device_or_a_fifo_is_one_dataset_error()
    {
        var fifo = await FifoAsync();

        var zero = () => QaDataset.Load("/dev/zero");
        var pipe = () => QaDataset.Load(fifo);

        zero.Should().Throw<QaDatasetException>().WithMessage("/dev/zero: cannot read the dataset: it is a device, not a regular file");
        pipe.Should().Throw<QaDatasetException>().WithMessage($"{fifo}: cannot read the dataset: it is a named pipe (FIFO), not a regular file");
    }
}
