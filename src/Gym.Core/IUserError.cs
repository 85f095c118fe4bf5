namespace Gym.Core;

/// <summary>
/// Marks an exception as the user's to fix (a bad id, option, file or parameter): front ends print its
/// message as one line and exit with a usage error, instead of treating it as a bug. A module's own
/// error types implement it, so no front end has to list them.
/// </summary>
#pragma warning disable CA1040 // A marker interface: the type itself is the information.
public interface IUserError;
#pragma warning restore CA1040
