package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// graph builds a test graph from durations in seconds and "from>to" edges.
func graph(t *testing.T, nodes map[string]int, edges ...string) *Graph {
	t.Helper()
	g := NewGraph()
	for id, s := range nodes {
		g.AddNode(id, time.Duration(s)*time.Second)
	}
	for _, e := range edges {
		var from, to string
		for i := range e {
			if e[i] == '>' {
				from, to = e[:i], e[i+1:]
			}
		}
		require.NoError(t, g.AddEdge(from, to))
	}
	return g
}

func TestCriticalPathDiamond(t *testing.T) {
	// A fans out to B (5 s) and C (2 s), which both gate D: the wall time follows B.
	g := graph(t, map[string]int{"A": 1, "B": 5, "C": 2, "D": 1}, "A>B", "A>C", "B>D", "C>D")
	s, err := g.CriticalPath()
	require.NoError(t, err)
	assert.Equal(t, 7*time.Second, s.Wall)
	assert.Equal(t, 9*time.Second, s.Serial)
	assert.Equal(t, []string{"A", "B", "D"}, s.Chain)
	assert.Equal(t, 1*time.Second, s.Start["C"])
	assert.Equal(t, 6*time.Second, s.Start["D"])
}

func TestCriticalPathChain(t *testing.T) {
	g := graph(t, map[string]int{"A": 1, "B": 2, "C": 3}, "A>B", "B>C")
	s, err := g.CriticalPath()
	require.NoError(t, err)
	assert.Equal(t, 6*time.Second, s.Wall)
	assert.Equal(t, 6*time.Second, s.Serial, "a chain has no parallelism")
	assert.Equal(t, []string{"A", "B", "C"}, s.Chain)
}

func TestCriticalPathDisconnected(t *testing.T) {
	// Two independent parts run side by side; the longer one (X, 4 s) is the whole path.
	g := graph(t, map[string]int{"X": 4, "Y": 1, "Z": 2}, "Y>Z")
	s, err := g.CriticalPath()
	require.NoError(t, err)
	assert.Equal(t, 4*time.Second, s.Wall)
	assert.Equal(t, 7*time.Second, s.Serial)
	assert.Equal(t, []string{"X"}, s.Chain)
}

func TestCriticalPathTiesAreDeterministic(t *testing.T) {
	g := graph(t, map[string]int{"A": 1, "B": 2, "C": 2, "D": 1}, "A>B", "A>C", "B>D", "C>D")
	for i := 0; i < 20; i++ {
		s, err := g.CriticalPath()
		require.NoError(t, err)
		assert.Equal(t, []string{"A", "B", "D"}, s.Chain)
	}
}

func TestNeedlessEdgeLengthensDiamond(t *testing.T) {
	nodes := map[string]int{"A": 1, "B": 5, "C": 2, "D": 1}
	edges := []string{"A>B", "A>C", "B>D", "C>D"}
	before, err := graph(t, nodes, edges...).CriticalPath()
	require.NoError(t, err)
	// B does not need C, but declaring it serialises the two branches.
	after, err := graph(t, nodes, append(edges, "C>B")...).CriticalPath()
	require.NoError(t, err)
	assert.Equal(t, 9*time.Second, after.Wall)
	assert.Greater(t, after.Wall, before.Wall)
	assert.Equal(t, before.Serial, after.Serial, "an edge changes the order, not the work")
	assert.Equal(t, []string{"A", "C", "B", "D"}, after.Chain)
}

func TestCycleIsAnError(t *testing.T) {
	g := graph(t, map[string]int{"A": 1, "B": 1}, "A>B", "B>A")
	_, err := g.CriticalPath()
	assert.ErrorContains(t, err, "cycle")
}

func TestEdgeToUnknownNode(t *testing.T) {
	g := NewGraph()
	g.AddNode("A", time.Second)
	assert.Error(t, g.AddEdge("A", "missing"))
}

func TestDescendants(t *testing.T) {
	g := graph(t, map[string]int{"A": 1, "B": 1, "C": 1, "D": 1}, "A>B", "B>C")
	assert.Equal(t, map[string]bool{"B": true, "C": true}, g.Descendants("A"))
	assert.Empty(t, g.Descendants("D"))
}
