namespace Gym.Core.Rewards;

/// <summary>
/// Optimal one-to-one assignment (the linear assignment problem), used to pair predicted tool calls
/// with gold calls so that scoring does not depend on the order the agent listed them in.
/// </summary>
public static class Assignment
{
    /// <summary>
    /// Assigns rows to columns one-to-one so that the summed weight is as large as possible, with the
    /// Hungarian (Kuhn–Munkres) algorithm in its O(n²·m) shortest-augmenting-path form (Jonker–Volgenant
    /// style potentials), n = min(rows, columns), m = max(rows, columns).
    /// Rectangular matrices are allowed: every row is assigned when rows ≤ columns, otherwise every
    /// column receives exactly one row and the remaining rows are left unassigned. Ties are broken
    /// deterministically.
    /// </summary>
    /// <param name="weights">weights[row, column]; every entry finite.</param>
    /// <returns>For each row the column it is assigned to, or −1 when it is unassigned.</returns>
    /// <exception cref="ArgumentException">An entry is NaN or infinite.</exception>
    public static int[] Maximize(double[,] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var rows = weights.GetLength(0);
        var columns = weights.GetLength(1);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                if (!double.IsFinite(weights[r, c]))
                {
                    throw new ArgumentException($"weights[{r}, {c}] must be a finite number, got {weights[r, c]}.", nameof(weights));
                }
            }
        }

        var result = new int[rows];
        Array.Fill(result, -1);
        if (rows == 0 || columns == 0)
        {
            return result;
        }

        // The algorithm below needs at most as many "left" vertices as "right" ones; with more rows
        // than columns, solve the transposed problem and read the pairing back.
        var transpose = rows > columns;
        var n = transpose ? columns : rows;
        var m = transpose ? rows : columns;
        // Scaling by a positive constant keeps the optimum; it keeps differences of huge weights finite.
        var scale = 1.0;
        foreach (var w in weights)
        {
            scale = Math.Max(scale, Math.Abs(w));
        }

        scale = scale > 1e100 ? scale : 1.0;
        double Cost(int i, int j) => -(transpose ? weights[j, i] : weights[i, j]) / scale;

        var pairing = MinimizeCost(n, m, Cost);
        for (var i = 0; i < n; i++)
        {
            if (transpose)
            {
                result[pairing[i]] = i;
            }
            else
            {
                result[i] = pairing[i];
            }
        }

        return result;
    }

    /// <summary>
    /// Minimum-cost assignment of n left vertices to m ≥ n right vertices. Each left vertex is added in
    /// turn and a shortest augmenting path (Dijkstra on reduced costs) reroutes earlier ones; the dual
    /// potentials u, v keep reduced costs non-negative. Index 0 of p/way is a sentinel right vertex.
    /// </summary>
    private static int[] MinimizeCost(int n, int m, Func<int, int, double> cost)
    {
        var u = new double[n + 1];
        var v = new double[m + 1];
        var p = new int[m + 1];   // p[j]: 1-based left vertex matched to right vertex j, 0 for none
        var way = new int[m + 1];
        var minv = new double[m + 1];
        var used = new bool[m + 1];

        for (var i = 1; i <= n; i++)
        {
            p[0] = i;
            var j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Fill(used, false);
            do
            {
                used[j0] = true;
                var i0 = p[j0];
                var delta = double.PositiveInfinity;
                var j1 = -1;
                for (var j = 1; j <= m; j++)
                {
                    if (used[j])
                    {
                        continue;
                    }

                    var reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if (reduced < minv[j])
                    {
                        minv[j] = reduced;
                        way[j] = j0;
                    }

                    if (minv[j] < delta)
                    {
                        delta = minv[j];
                        j1 = j;
                    }
                }

                for (var j = 0; j <= m; j++)
                {
                    if (used[j])
                    {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }

                j0 = j1;
            }
            while (p[j0] != 0);

            // Flip the augmenting path back to the sentinel.
            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }

        var pairing = new int[n];
        for (var j = 1; j <= m; j++)
        {
            if (p[j] != 0)
            {
                pairing[p[j] - 1] = j - 1;
            }
        }

        return pairing;
    }
}
