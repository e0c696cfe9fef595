namespace ControlTower.Server.Nodes;

/// <summary>A destination the <see cref="HttpDestinationPolicy"/> refuses; thrown before any connection is opened.</summary>
internal sealed class HttpDestinationDeniedException(string message) : Exception(message);
