package classify

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Candidate families. Each family has a small hyperparameter grid (see Grid) searched by
// cross-validation.
const (
	Logistic = "logistic" // L2-penalised logistic regression (gonum), binary or multinomial
	Bayes    = "bayes"    // naive Bayes: Gaussian for continuous, Bernoulli for 0/1 features
	Tree     = "tree"     // one golearn CART tree
	Forest   = "forest"   // bagged golearn CART trees
	Boost    = "boost"    // gradient-boosted trees (histogram splits, Newton leaves)
	// Blend averages the calibrated probabilities of the two families that score best in the
	// inner cross-validation. It is a candidate like the others and is chosen only when its
	// own cross-validated score is the best.
	Blend = "blend"
)

// DefaultFamilies are searched when Options.Families is empty. Forest is left out: golearn's
// CART makes a bagged forest about 15 times as slow to train as all the others together (55 s
// for the nested search on IBM HR, AUC 0.80); ask for it by name.
var DefaultFamilies = []string{Logistic, Bayes, Tree, Boost, Blend}

// Options configure Fit and Evaluate. The zero value is usable: see each field's default.
type Options struct {
	// Folds is the number of outer folds of Evaluate (default 5).
	Folds int
	// InnerFolds is the number of folds used to choose the family, its hyperparameters and
	// the calibration method (default 3: each inner fit sees two thirds of the training
	// rows, and the search costs about half of what 5 inner folds would). When a class has
	// fewer training rows, it is lowered to that count; below 2 the data are too small and
	// Fit returns an error.
	InnerFolds int
	// Seed makes every random choice (folds, subsamples, bootstraps) reproducible.
	Seed uint64
	// Families are the candidate families (default DefaultFamilies).
	Families []string
	// Positive names the positive class when there are two (its probability is the one AUC,
	// Brier and reliability tables use). Default: the larger label in byte order ("Yes" over
	// "No", "1" over "0", "true" over "false").
	Positive string
	// Workers bounds the goroutines fitting candidates at once (default GOMAXPROCS). Results
	// do not depend on it.
	Workers int
}

func (o Options) withDefaults() Options {
	if o.Folds == 0 {
		o.Folds = 5
	}
	if o.InnerFolds == 0 {
		o.InnerFolds = 3
	}
	if len(o.Families) == 0 {
		o.Families = DefaultFamilies
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

func (o Options) validate() error {
	if o.Folds < 2 {
		return fmt.Errorf("folds must be at least 2, got %d", o.Folds)
	}
	if o.InnerFolds < 2 {
		return fmt.Errorf("inner folds must be at least 2, got %d", o.InnerFolds)
	}
	seen := map[string]bool{}
	for _, f := range o.Families {
		switch f {
		case Logistic, Bayes, Tree, Forest, Boost, Blend:
		default:
			return fmt.Errorf("unknown model family %q (want one of %s)", f, strings.Join(DefaultFamilies, ", "))
		}
		if seen[f] {
			return fmt.Errorf("model family %q listed twice", f)
		}
		seen[f] = true
	}
	if len(o.Families) == 1 && o.Families[0] == Blend {
		return errors.New("blend needs at least two other families")
	}
	return nil
}

// Labels encodes string labels as class indices. Classes are sorted in byte order, except that
// with two classes the positive one (Options.Positive, when given) is moved last. Missing
// labels (""), a single class and an unknown positive label are errors.
func Labels(labels []string, positive string) (y []int, classes []string, err error) {
	count := map[string]int{}
	for i, s := range labels {
		if s == "" {
			return nil, nil, fmt.Errorf("labels: row %d has no label", i)
		}
		count[s]++
	}
	for s := range count {
		classes = append(classes, s)
	}
	sort.Strings(classes)
	switch {
	case len(classes) < 2:
		return nil, nil, fmt.Errorf("labels: need at least two classes, got %d (%s)", len(classes), strings.Join(classes, ", "))
	case positive != "" && len(classes) != 2:
		return nil, nil, fmt.Errorf("labels: a positive class only applies to two classes, got %d", len(classes))
	case positive != "" && count[positive] == 0:
		return nil, nil, fmt.Errorf("labels: positive class %q does not occur (classes: %s)", positive, strings.Join(classes, ", "))
	case positive != "" && classes[0] == positive:
		classes[0], classes[1] = classes[1], classes[0]
	}
	index := map[string]int{}
	for i, c := range classes {
		index[c] = i
	}
	y = make([]int, len(labels))
	for i, s := range labels {
		y[i] = index[s]
	}
	return y, classes, nil
}

// config is one point of a family's hyperparameter grid.
type config struct {
	Family    string
	Enc       EncodeOptions
	C         float64      // logistic
	Smoothing float64      // bayes
	Tree      TreeOptions  // tree, forest
	Boost     BoostOptions // boost (Rounds holds the one round count of this config)
}

func (c config) String() string {
	var parts []string
	switch c.Family {
	case Logistic:
		parts = append(parts, fmt.Sprintf("C=%g", c.C))
	case Bayes:
		parts = append(parts, fmt.Sprintf("var_smoothing=%g", c.Smoothing))
	case Tree:
		parts = append(parts, fmt.Sprintf("depth=%d", c.Tree.Depth), c.Tree.Criterion)
	case Forest:
		parts = append(parts, fmt.Sprintf("trees=%d", c.Tree.Trees), fmt.Sprintf("depth=%d", c.Tree.Depth), fmt.Sprintf("features=%g", c.Tree.Features))
	case Boost:
		parts = append(parts, fmt.Sprintf("rounds=%d", c.Boost.Rounds[0]), fmt.Sprintf("depth=%d", c.Boost.Depth), fmt.Sprintf("eta=%g", c.Boost.LearningRate))
	}
	if c.Enc.LogSkewed {
		parts = append(parts, "log")
	}
	if c.Enc.SmallInts > 0 {
		parts = append(parts, fmt.Sprintf("ints<=%d", c.Enc.SmallInts))
	}
	return c.Family + "(" + strings.Join(parts, ",") + ")"
}

// path is a group of configs fitted by one call: a warm-started path of C values, or the
// round counts of one boosting run.
type path struct {
	family  string
	configs []config
}

// Grid returns the hyperparameter settings searched for a family, as readable strings.
func Grid(family string) []string {
	var out []string
	for _, p := range familyPaths(family) {
		for _, c := range p.configs {
			out = append(out, c.String())
		}
	}
	return out
}

func familyPaths(family string) []path {
	var out []path
	switch family {
	case Logistic:
		for _, ints := range []int{0, 10} {
			enc := EncodeOptions{Standardize: true, LogSkewed: true, SmallInts: ints}
			var cs []config
			// Strongest penalty first: each fit warm-starts the next.
			for _, c := range []float64{0.01, 0.03, 0.1, 0.3, 1} {
				cs = append(cs, config{Family: Logistic, Enc: enc, C: c})
			}
			out = append(out, path{Logistic, cs})
		}
	case Bayes:
		for _, s := range []float64{1e-9, 0.1} {
			out = append(out, path{Bayes, []config{{Family: Bayes, Enc: EncodeOptions{LogSkewed: true}, Smoothing: s}}})
		}
	case Tree:
		out = append(out, path{Tree, []config{{Family: Tree, Tree: TreeOptions{Depth: 3, Criterion: "gini", MaxBins: 8}}}})
	case Forest:
		out = append(out, path{Forest, []config{{Family: Forest, Tree: TreeOptions{Depth: 8, Criterion: "gini", MaxBins: 16, Trees: 50, Features: 0.5}}}})
	case Boost:
		for _, d := range []int{2, 3} {
			var cs []config
			for _, r := range []int{25, 50, 100, 200} {
				cs = append(cs, config{Family: Boost, Boost: BoostOptions{Depth: d, LearningRate: 0.1, Rounds: []int{r}, MinLeaf: 10, Lambda: 1, Subsample: 0.5, MaxBins: 32}})
			}
			out = append(out, path{Boost, cs})
		}
	}
	return out
}

// fitPath fits every config of the path on (t, y) and returns uncalibrated members in the
// same order. workers is passed to forests.
func fitPath(pa path, t *Table, y []int, k int, seed uint64, workers int) ([]*member, error) {
	enc, x, err := encodeFor(t, pa.configs[0].Enc)
	if err != nil {
		return nil, err
	}
	return fitEncoded(pa, enc, x, y, k, seed, workers)
}

// encodeFor fits an encoder on t and encodes t with it.
func encodeFor(t *Table, opts EncodeOptions) (*encoder, []float64, error) {
	enc := fitEncoder(t, opts)
	if enc.Width == 0 {
		return nil, nil, errors.New("no usable feature: every column is constant or empty")
	}
	x, err := enc.encode(t)
	if err != nil {
		return nil, nil, err
	}
	return enc, x, nil
}

// fitEncoded is fitPath on rows already encoded by enc (x is row-major, len(y) rows).
func fitEncoded(pa path, enc *encoder, x []float64, y []int, k int, seed uint64, workers int) ([]*member, error) {
	n, p := len(y), enc.Width
	out := make([]*member, len(pa.configs))
	mk := func(i int) *member {
		return &member{Name: pa.configs[i].String(), Weight: 1, Enc: enc, Calib: &calibrator{Method: CalibNone}}
	}
	switch pa.family {
	case Logistic:
		var warm *linear
		for i, c := range pa.configs {
			l, err := fitLogistic(x, n, p, y, k, c.C, warm)
			if err != nil {
				return nil, err
			}
			warm = l
			out[i] = mk(i)
			out[i].Linear = l
		}
	case Bayes:
		for i, c := range pa.configs {
			out[i] = mk(i)
			out[i].Bayes = fitBayes(x, n, p, y, k, enc.Binary, c.Smoothing)
		}
	case Tree:
		for i, c := range pa.configs {
			f, err := fitCART(x, n, p, y, k, c.Tree)
			if err != nil {
				return nil, err
			}
			out[i] = mk(i)
			out[i].Forest = f
		}
	case Forest:
		for i, c := range pa.configs {
			o := c.Tree
			o.Workers = workers
			f, err := fitForest(x, n, p, y, k, o, seed)
			if err != nil {
				return nil, err
			}
			out[i] = mk(i)
			out[i].Forest = f
		}
	case Boost:
		o := pa.configs[0].Boost
		o.Rounds = nil
		for _, c := range pa.configs {
			o.Rounds = append(o.Rounds, c.Boost.Rounds[0])
		}
		fs := fitBoost(x, n, p, y, k, o, seed)
		for i := range pa.configs {
			out[i] = mk(i)
			out[i].Forest = fs[i]
		}
	default:
		return nil, fmt.Errorf("unknown family %q", pa.family)
	}
	return out, nil
}

// scored is one config's inner cross-validation result.
type scored struct {
	cfg   config
	calib string
	raw   []float64 // out-of-fold uncalibrated probabilities, n×k
	oof   []float64 // out-of-fold probabilities after cross-fitted calibration
	loss  float64   // log loss of oof
}

// selection is what the inner cross-validation chose on one training set.
type selection struct {
	best  map[string]*scored // per family, its best config
	blend [2]string          // the two families the blend averages ("" when no blend)
	// blendCal is the blend's own calibration, chosen and cross-fitted on the average of its
	// members' calibrated out-of-fold probabilities (averaging two calibrated models makes
	// the average under-confident, which a second calibration can undo).
	blendCal *scored
	loss     map[string]float64 // inner log loss per family, blend included
	chosen   string             // family (or Blend) with the lowest inner log loss
}

// mix derives independent seeds for sub-tasks (SplitMix64 finaliser).
func mix(seed uint64, parts ...int) uint64 {
	z := seed
	for _, p := range parts {
		z += 0x9e3779b97f4a7c15 * uint64(p+1)
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
	}
	return z
}

// parallel runs f(0..n-1) on at most workers goroutines and returns the first error by index.
func parallel(n, workers int, f func(i int) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// selectModel runs the inner cross-validation on (t, y): every config of every family is
// fitted on inner training folds and scored on the held-out inner fold; each config's
// calibration method is chosen by cross-fitting the calibrator on the same inner folds; each
// family keeps its config with the lowest calibrated out-of-fold log loss, and the family
// (or the blend of the best two) with the lowest log loss is chosen. Only (t, y) is used.
func selectModel(t *Table, y []int, k int, o Options, seed uint64) (*selection, error) {
	inner := o.InnerFolds
	counts := make([]int, k)
	for _, c := range y {
		counts[c]++
	}
	for _, c := range counts {
		inner = min(inner, c)
	}
	if inner < 2 {
		return nil, fmt.Errorf("select model: a class has %d training rows; need at least 2 to cross-validate", inner)
	}
	fold, err := StratifiedFolds(y, k, inner, mix(seed, 1))
	if err != nil {
		return nil, fmt.Errorf("select model: %w", err)
	}
	var paths []path
	for _, fam := range o.Families {
		if fam != Blend {
			paths = append(paths, familyPaths(fam)...)
		}
	}
	n := len(y)
	type task struct{ path, fold int }
	var tasks []task
	for pi := range paths {
		for f := 0; f < inner; f++ {
			tasks = append(tasks, task{pi, f})
		}
	}
	raw := make([][][]float64, len(paths)) // path -> config -> n×k
	for pi, pa := range paths {
		raw[pi] = make([][]float64, len(pa.configs))
		for ci := range pa.configs {
			raw[pi][ci] = make([]float64, n*k)
		}
	}
	// Paths with the same encoding options share one encoder per fold (they would fit
	// identical ones), fitted and applied once, on first use.
	type encKey struct {
		fold int
		opts EncodeOptions
	}
	type encoded struct {
		once        sync.Once
		enc         *encoder
		xtr, xte    []float64
		ytr         []int
		train, test []int
		err         error
	}
	var mu sync.Mutex
	cache := map[encKey]*encoded{}
	get := func(f int, opts EncodeOptions) *encoded {
		mu.Lock()
		e := cache[encKey{f, opts}]
		if e == nil {
			e = &encoded{}
			cache[encKey{f, opts}] = e
		}
		mu.Unlock()
		e.once.Do(func() {
			e.train, e.test = split(fold, f)
			e.ytr = subsetInts(y, e.train)
			e.enc, e.xtr, e.err = encodeFor(t.Subset(e.train), opts)
			if e.err == nil {
				e.xte, e.err = e.enc.encode(t.Subset(e.test))
			}
		})
		return e
	}
	err = parallel(len(tasks), o.Workers, func(ti int) error {
		tk := tasks[ti]
		pa := paths[tk.path]
		e := get(tk.fold, pa.configs[0].Enc)
		if e.err != nil {
			return fmt.Errorf("select model: %s: %w", pa.family, e.err)
		}
		members, err := fitEncoded(pa, e.enc, e.xtr, e.ytr, k, mix(seed, 2, tk.path, tk.fold), 1)
		if err != nil {
			return fmt.Errorf("select model: %s: %w", pa.family, err)
		}
		test, x := e.test, e.xte
		buf := make([]float64, len(test)*k)
		for ci, mb := range members {
			mb.probs(x, len(test), buf)
			for i, r := range test {
				copy(raw[tk.path][ci][r*k:r*k+k], buf[i*k:i*k+k])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sel := &selection{best: map[string]*scored{}, loss: map[string]float64{}}
	for pi, pa := range paths {
		for ci, cfg := range pa.configs {
			s := calibrateOOF(raw[pi][ci], y, k, fold, inner)
			s.cfg = cfg
			if b := sel.best[pa.family]; b == nil || s.loss < b.loss {
				sel.best[pa.family] = s
			}
		}
	}
	var fams []string
	for _, fam := range o.Families {
		if s := sel.best[fam]; s != nil {
			fams = append(fams, fam)
			sel.loss[fam] = s.loss
		}
	}
	sort.SliceStable(fams, func(a, b int) bool { return sel.loss[fams[a]] < sel.loss[fams[b]] })
	sel.chosen = fams[0]
	if contains(o.Families, Blend) && len(fams) >= 2 {
		sel.blend = [2]string{fams[0], fams[1]}
		avg := make([]float64, n*k)
		a, b := sel.best[fams[0]].oof, sel.best[fams[1]].oof
		for i := range avg {
			avg[i] = (a[i] + b[i]) / 2
		}
		sel.blendCal = calibrateOOF(avg, y, k, fold, inner)
		sel.loss[Blend] = sel.blendCal.loss
		if sel.loss[Blend] < sel.loss[sel.chosen] {
			sel.chosen = Blend
		}
	}
	return sel, nil
}

// calibrateOOF chooses the calibration method for one config's out-of-fold probabilities:
// for each method, the calibrator is fitted on the other folds' rows and applied to each fold
// (so no row is calibrated by a map fitted on it), and the method with the lowest log loss wins.
func calibrateOOF(raw []float64, y []int, k int, fold []int, nFolds int) *scored {
	best := &scored{raw: raw, loss: math.Inf(1)}
	for _, method := range calibMethods {
		oof := append([]float64(nil), raw...)
		if method != CalibNone {
			for f := 0; f < nFolds; f++ {
				train, test := split(fold, f)
				ptr := make([]float64, len(train)*k)
				ytr := make([]int, len(train))
				for i, r := range train {
					copy(ptr[i*k:], raw[r*k:r*k+k])
					ytr[i] = y[r]
				}
				cal := fitCalibrator(method, ptr, ytr, k)
				for _, r := range test {
					cal.apply(oof[r*k:r*k+k], 1, k)
				}
			}
		}
		if loss := Score(oof, y, k).LogLoss; loss < best.loss {
			best.calib, best.oof, best.loss = method, oof, loss
		}
	}
	return best
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// refit fits the family's selected config on all of (t, y) and calibrates it with the method
// chosen for it, fitted on that config's out-of-fold probabilities.
func refit(sel *selection, family string, t *Table, y []int, k int, seed uint64, workers int) (*member, error) {
	s := sel.best[family]
	cfg := s.cfg
	members, err := fitPath(path{family, []config{cfg}}, t, y, k, seed, workers)
	if err != nil {
		return nil, fmt.Errorf("refit %s: %w", family, err)
	}
	mb := members[0]
	mb.Calib = fitCalibrator(s.calib, s.raw, y, k)
	mb.Name = cfg.String() + " calib=" + s.calib
	return mb, nil
}

// Fit chooses a family, its hyperparameters and its calibration by stratified
// cross-validation on (t, labels) (see Options) and returns the chosen model refitted on all
// rows. labels holds one class label per row of t.
func Fit(t *Table, labels []string, o Options) (*Model, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	if len(labels) != t.Rows() {
		return nil, fmt.Errorf("fit: %d labels for %d rows", len(labels), t.Rows())
	}
	y, classes, err := Labels(labels, o.Positive)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	k := len(classes)
	sel, err := selectModel(t, y, k, o, mix(o.Seed, 10))
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	m, err := assemble(sel, sel.chosen, t, y, k, mix(o.Seed, 11), o.Workers, nil)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	m.Classes = classes
	return m, nil
}

// assemble builds the model of a family (or the blend) from a selection, reusing members
// already refitted (cache, keyed by family; may be nil).
func assemble(sel *selection, family string, t *Table, y []int, k int, seed uint64, workers int, cache map[string]*member) (*Model, error) {
	get := func(fam string) (*member, error) {
		if mb := cache[fam]; mb != nil {
			return mb, nil
		}
		mb, err := refit(sel, fam, t, y, k, seed, workers)
		if err == nil && cache != nil {
			cache[fam] = mb
		}
		return mb, err
	}
	if family != Blend {
		mb, err := get(family)
		if err != nil {
			return nil, err
		}
		return &Model{Name: mb.Name, Members: []member{*mb}}, nil
	}
	m := &Model{}
	var names []string
	for _, fam := range sel.blend {
		mb, err := get(fam)
		if err != nil {
			return nil, err
		}
		c := *mb
		c.Weight = 0.5
		m.Members = append(m.Members, c)
		names = append(names, mb.Name)
	}
	m.Calib = fitCalibrator(sel.blendCal.calib, sel.blendCal.raw, y, k)
	m.Name = "blend(" + strings.Join(names, " + ") + ") calib=" + sel.blendCal.calib
	return m, nil
}
