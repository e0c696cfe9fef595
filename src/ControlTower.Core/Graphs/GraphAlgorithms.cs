namespace ControlTower.Core.Graphs;

/// <summary>Small graph algorithms over adjacency lists of node indices (iterative: deep graphs must not blow the stack).</summary>
internal static class GraphAlgorithms
{
    public static List<int>[] Adjacency(int nodeCount, IEnumerable<(int From, int To)> edges)
    {
        var adjacency = new List<int>[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            adjacency[i] = [];
        }

        foreach (var (from, to) in edges)
        {
            adjacency[from].Add(to);
        }

        return adjacency;
    }

    public static bool[] ReachableFrom(List<int>[] adjacency, IEnumerable<int> starts)
    {
        var seen = new bool[adjacency.Length];
        var stack = new Stack<int>();
        foreach (var s in starts)
        {
            if (!seen[s])
            {
                seen[s] = true;
                stack.Push(s);
            }
        }

        while (stack.Count > 0)
        {
            foreach (var next in adjacency[stack.Pop()])
            {
                if (!seen[next])
                {
                    seen[next] = true;
                    stack.Push(next);
                }
            }
        }

        return seen;
    }

    public static bool Reaches(List<int>[] adjacency, int from, int to) => ReachableFrom(adjacency, [from])[to];

    /// <summary>Tarjan's algorithm, iterative; returns each node's component number.</summary>
    public static int[] StronglyConnectedComponents(List<int>[] adjacency)
    {
        var n = adjacency.Length;
        var index = new int[n];
        var low = new int[n];
        var onStack = new bool[n];
        var component = new int[n];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var work = new Stack<(int Node, int Next)>();
        int counter = 0, components = 0;
        for (var root = 0; root < n; root++)
        {
            if (index[root] != -1)
            {
                continue;
            }

            work.Push((root, 0));
            while (work.Count > 0)
            {
                var (v, next) = work.Pop();
                if (next == 0)
                {
                    index[v] = low[v] = counter++;
                    stack.Push(v);
                    onStack[v] = true;
                }
                else
                {
                    var child = adjacency[v][next - 1];
                    low[v] = Math.Min(low[v], low[child]);
                }

                var descended = false;
                for (var i = next; i < adjacency[v].Count; i++)
                {
                    var w = adjacency[v][i];
                    if (index[w] == -1)
                    {
                        work.Push((v, i + 1));
                        work.Push((w, 0));
                        descended = true;
                        break;
                    }

                    if (onStack[w])
                    {
                        low[v] = Math.Min(low[v], index[w]);
                    }
                }

                if (descended || low[v] != index[v])
                {
                    continue;
                }

                int member;
                do
                {
                    member = stack.Pop();
                    onStack[member] = false;
                    component[member] = components;
                }
                while (member != v);
                components++;
            }
        }

        return component;
    }

    /// <summary>A topological order of an acyclic graph, ties broken by index (deterministic).</summary>
    public static int[] TopologicalOrder(List<int>[] adjacency)
    {
        var n = adjacency.Length;
        var inDegree = new int[n];
        foreach (var targets in adjacency)
        {
            foreach (var t in targets)
            {
                inDegree[t]++;
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < n; i++)
        {
            if (inDegree[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<int>(n);
        while (ready.TryDequeue(out var v, out _))
        {
            order.Add(v);
            foreach (var t in adjacency[v])
            {
                if (--inDegree[t] == 0)
                {
                    ready.Enqueue(t, t);
                }
            }
        }

        return order.Count == n ? [.. order] : throw new InvalidOperationException("The graph has a cycle; validate it before ordering.");
    }
}
