package classify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/trees"
)

// TreeOptions are the hyperparameters of golearn's CART trees and of the bagged forest built
// from them.
type TreeOptions struct {
	Depth     int     // maximum depth (golearn's maxDepth; ≥ 1)
	Criterion string  // "gini" or "entropy"
	MaxBins   int     // features are binned to at most this many quantile bins before golearn sees them
	Trees     int     // forest only: number of bagged trees
	Features  float64 // forest only: fraction of features drawn (without replacement) for each tree
	Workers   int     // forest only: trees fitted in parallel (results do not depend on it)
}

// fitCART fits one golearn CART classification tree and compiles it to a forest of one tree
// whose leaves hold the class frequencies of the training rows that reach them.
//
// golearn's CART tries every midpoint between distinct values at every node and recomputes the
// impurity from scratch for each, so its cost grows with (distinct values × rows). Features are
// therefore binned to at most o.MaxBins quantile bins first; thresholds are mapped back to raw
// units when the tree is compiled. golearn's CART uses no randomness.
func fitCART(x []float64, n, p int, y []int, k int, o TreeOptions) (*forest, error) {
	bins := fitBinning(x, n, p, o.MaxBins)
	xb := bins.apply(x, n, p)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	f := &forest{K: k}
	if err := addCART(f, x, xb, n, p, y, k, all, nil, bins, o); err != nil {
		return nil, err
	}
	return f, nil
}

// addCART fits a golearn CART tree on the given rows (repeats allowed) and feature subset
// (nil: all), and appends the compiled tree to f.
func addCART(f *forest, x []float64, xb []uint8, n, p int, y []int, k int, rows, feats []int, bins *binning, o TreeOptions) (err error) {
	// golearn indexes slices without checks in places; a panic there is reported as an error
	// rather than taking down a server that is retraining.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("golearn cart: panic: %v", r)
		}
	}()
	if feats == nil {
		feats = make([]int, p)
		for j := range feats {
			feats[j] = j
		}
	}
	inst := base.NewDenseInstances()
	specs := make([]base.AttributeSpec, len(feats))
	for j := range feats {
		specs[j] = inst.AddAttribute(base.NewFloatAttribute(fmt.Sprintf("f%d", j)))
	}
	class := base.NewFloatAttribute("class")
	cs := inst.AddAttribute(class)
	if err := inst.AddClassAttribute(class); err != nil {
		return fmt.Errorf("golearn: %w", err)
	}
	if err := inst.Extend(len(rows)); err != nil {
		return fmt.Errorf("golearn: %w", err)
	}
	for i, r := range rows {
		for j, fj := range feats {
			inst.Set(specs[j], i, base.PackFloatToBytes(float64(xb[r*p+fj])))
		}
		inst.Set(cs, i, base.PackFloatToBytes(float64(y[r])))
	}
	labels := make([]int64, k)
	for c := range labels {
		labels[c] = int64(c)
	}
	t := trees.NewDecisionTreeClassifier(o.Criterion, int64(o.Depth), labels)
	if err := t.Fit(inst); err != nil {
		return fmt.Errorf("golearn cart: %w", err)
	}
	if t.RootNode == nil {
		return errors.New("golearn cart: no tree was built")
	}
	tree, err := parseCART(t.String())
	if err != nil {
		return fmt.Errorf("golearn cart: %w", err)
	}
	root := int32(len(f.Nodes))
	f.Nodes = append(f.Nodes, node{})
	start := len(f.Values)
	if tree.threshold < 0.5 {
		// No split improved impurity: golearn flags the root as not needed and leaves its
		// threshold at 0 (every real split is between two bin indices, at b + 0.5).
		tree = &cartNode{leaf: true}
	}
	compileCART(f, root, tree, feats, bins, k)
	f.Roots = append(f.Roots, root)
	// Leaf values: class frequencies of the rows that reach each leaf.
	counts := make([]float64, len(f.Values)-start)
	for _, r := range rows {
		l := int(f.leaf(root, x[r*p:r*p+p])) - start
		counts[l+y[r]]++
	}
	for l := 0; l < len(counts); l += k {
		var s float64
		for c := 0; c < k; c++ {
			s += counts[l+c]
		}
		for c := 0; c < k; c++ {
			if s > 0 {
				f.Values[start+l+c] = counts[l+c] / s
			} else {
				f.Values[start+l+c] = 1 / float64(k)
			}
		}
	}
	return nil
}

// cartNode is one node of a golearn CART tree as its String method prints it: a split on a
// feature index at a threshold, each side either a subtree or (nil) a leaf; or, with leaf set,
// a tree that is one leaf.
type cartNode struct {
	feature     int
	threshold   float64
	left, right *cartNode
	leaf        bool
}

// parseCART reads a tree from golearn's CARTDecisionTreeClassifier.String, its only public
// view of the fitted tree: every node is "Feature F < T" followed by a "---> True" (x < T)
// and a "---> False" branch, each either "PREDICT label" (the branch ends) or a subtree. The
// threshold is printed with three decimals, which is exact for the bin midpoints (b + 0.5)
// the tree splits on.
func parseCART(s string) (*cartNode, error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	i := 0
	var parse func() (*cartNode, error)
	parse = func() (*cartNode, error) {
		if i >= len(lines) {
			return nil, errors.New("tree text ends inside a node")
		}
		var nd cartNode
		if _, err := fmt.Sscanf(strings.TrimSpace(lines[i]), "Feature %d < %g", &nd.feature, &nd.threshold); err != nil {
			return nil, fmt.Errorf("tree text line %d %q: %v", i+1, lines[i], err)
		}
		i++
		for range 2 {
			if i+1 >= len(lines) {
				return nil, errors.New("tree text ends inside a node")
			}
			side := strings.TrimSpace(lines[i])
			if side != "---> True" && side != "---> False" {
				return nil, fmt.Errorf("tree text line %d %q: want a branch", i+1, lines[i])
			}
			i++
			var child *cartNode
			if strings.HasPrefix(strings.TrimSpace(lines[i]), "PREDICT") {
				i++
			} else {
				var err error
				if child, err = parse(); err != nil {
					return nil, err
				}
			}
			if side == "---> True" {
				nd.left = child
			} else {
				nd.right = child
			}
		}
		return &nd, nil
	}
	root, err := parse()
	if err == nil && i != len(lines) {
		err = fmt.Errorf("tree text has %d lines after the tree", len(lines)-i)
	}
	return root, err
}

// compileCART copies a parsed golearn tree into f at index at. golearn ends a branch (a nil
// child) where the split below would not improve impurity; such a branch becomes a leaf, as
// does a node parsed as one (the root of a tree without a split).
func compileCART(f *forest, at int32, nd *cartNode, feats []int, bins *binning, k int) {
	leaf := func(i int32) {
		f.Nodes[i] = node{Feat: -1, Left: int32(len(f.Values))}
		f.Values = append(f.Values, make([]float64, k)...)
	}
	if nd.leaf {
		leaf(at)
		return
	}
	feat := feats[nd.feature]
	// golearn sends x < thr left; on bin indices thr = b + 0.5 means "bin ≤ b".
	b := int(math.Floor(nd.threshold))
	left := int32(len(f.Nodes))
	f.Nodes = append(f.Nodes, node{}, node{})
	f.Nodes[at] = node{Feat: int32(feat), Left: left, Thr: bins.threshold(feat, b)}
	for i, child := range []*cartNode{nd.left, nd.right} {
		if child == nil {
			leaf(left + int32(i))
		} else {
			compileCART(f, left+int32(i), child, feats, bins, k)
		}
	}
}

// fitForest bags golearn CART trees: each tree sees a bootstrap sample of the rows and a random
// subset of the features (the random-subspace scheme of golearn's BaggedModel). golearn's own
// RandomForest draws from the global math/rand inside goroutines, so its result depends on
// scheduling; here all draws come from one generator seeded by seed, made before any tree is
// fitted, and trees are fitted in parallel into separate forests joined in order, so the result
// does not depend on o.Workers. The forest averages the trees' leaf class frequencies.
func fitForest(x []float64, n, p int, y []int, k int, o TreeOptions, seed uint64) (*forest, error) {
	bins := fitBinning(x, n, p, o.MaxBins)
	xb := bins.apply(x, n, p)
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	m := int(math.Max(1, math.Round(o.Features*float64(p))))
	rows := make([][]int, o.Trees)
	feats := make([][]int, o.Trees)
	for t := range rows {
		rows[t] = make([]int, n)
		for i := range rows[t] {
			rows[t][i] = rng.IntN(n)
		}
		feats[t] = rng.Perm(p)[:m]
	}
	parts := make([]*forest, o.Trees)
	errs := make([]error, o.Trees)
	workers := max(o.Workers, 1)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				parts[t] = &forest{K: k}
				errs[t] = addCART(parts[t], x, xb, n, p, y, k, rows[t], feats[t], bins, o)
			}
		}()
	}
	for t := range rows {
		next <- t
	}
	close(next)
	wg.Wait()
	out := &forest{K: k}
	for t, part := range parts {
		if errs[t] != nil {
			return nil, errs[t]
		}
		out.appendTrees(part)
	}
	return out, nil
}

// appendTrees appends g's trees (a vote forest) to f, shifting node and value indices.
func (f *forest) appendTrees(g *forest) {
	nOff, vOff := int32(len(f.Nodes)), int32(len(f.Values))
	for _, nd := range g.Nodes {
		if nd.Feat < 0 {
			nd.Left += vOff
		} else {
			nd.Left += nOff
		}
		f.Nodes = append(f.Nodes, nd)
	}
	for _, r := range g.Roots {
		f.Roots = append(f.Roots, r+nOff)
	}
	f.Values = append(f.Values, g.Values...)
}
