package review

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/indicators"
)

// Options say how a page is rendered.
type Options struct {
	// Lang is LangEN or LangZH.
	Lang string
	// Static renders the self-contained report: no forms, no links to the server.
	Static bool
	// Path is where the live page is served ("/review"), SignOut the sign-out form's action.
	Path, SignOut string
	// CSRF is the session's token, posted back by the page's forms.
	CSRF string
}

//go:embed page.tmpl
var pageTmpl string

//go:embed page.css
var pageCSS string

//go:embed signin.tmpl
var signinTmpl string

//go:embed message.tmpl
var messageTmpl string

var funcs = template.FuncMap{
	"dv":   dataAttr,
	"role": func(lang, r string) string { return pick(roleNames, r, lang) },
	"drv":  func(lang, d string) string { return pick(driverNames, d, lang) },
	// why is an indicator's rationale in the page's language.
	"why": rationale,
	// unc is the company model's sentence for a driver whose direction the data cannot tell.
	"unc":  func(lang, d string, sign int) string { return uncertainSentence(lang, d, sign) },
	"rwd":  func(lang, t string) string { return pick(rewardNames, t, lang) },
	"need": need,
	// metric names an alert's metric: revenue, or a catalogue indicator by its name.
	"metric": metricName,
	"isnan":  func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) },
	"neg":    func(x float64) bool { return x < 0 },
	"add":    func(a, b int) int { return a + b },
	"frac":   func(pct float64) float64 { return pct / 100 },
}

var (
	tmpl        = template.Must(template.New("page").Funcs(funcs).Parse(pageTmpl))
	signinPage  = template.Must(template.New("signin").Funcs(funcs).Parse(signinTmpl))
	messagePage = template.Must(template.New("message").Parse(messageTmpl))
)

// dataAttr writes data-k="key" data-v="value" with the value at full precision (NaN for an
// undefined figure), so that tests and scripts read back exactly what was computed.
func dataAttr(key string, v any) template.HTMLAttr {
	var s string
	switch x := v.(type) {
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case int:
		s = strconv.Itoa(x)
	case bool:
		s = strconv.FormatBool(x)
	case string:
		s = x
	default:
		panic(fmt.Sprintf("review: dv of %T", v))
	}
	return template.HTMLAttr(`data-k="` + template.HTMLEscapeString(key) + `" data-v="` + template.HTMLEscapeString(s) + `"`)
}

// view is what the template sees.
type view struct {
	*Page
	Opt   Options
	N     numbers
	CSS   template.CSS
	Other string // the other language
	Chart map[string]template.HTML
	Text  map[string]string
}

// Render writes the page as one HTML document: inline CSS, inline SVG, no scripts.
func Render(w io.Writer, p *Page, opt Options) error {
	opt.Lang = ParseLang(opt.Lang)
	if opt.Path == "" {
		opt.Path = "/review"
	}
	if opt.SignOut == "" {
		opt.SignOut = "/signout"
	}
	v := &view{Page: p, Opt: opt, N: numbers{opt.Lang, p.Currency}, CSS: template.CSS(pageCSS),
		Chart: map[string]template.HTML{}, Text: map[string]string{}}
	v.Other = LangZH
	if opt.Lang == LangZH {
		v.Other = LangEN
	}
	lang, n := opt.Lang, numbers{opt.Lang, p.Currency}
	if p.Forecast != nil {
		v.Chart[SecForecast] = fanChart(p, lang)
	}
	if fs := p.Forecast; fs != nil {
		for _, pr := range fs.Next {
			sp := pr.Split
			if sp == nil {
				continue
			}
			t := sprintf(lang, "fc.split", pr.Period, n.money(sp.Closed), n.money(sp.Open), sp.OpenDeals, n.money(sp.OpenAmount),
				n.money(sp.NotCreated), n.pct(pr.Weight), n.money(pr.Univariate))
			if !math.IsNaN(pr.Needed) {
				t += sprintf(lang, "fc.split.need", n.money(pr.Needed))
			}
			v.Text["split."+pr.Period] = t
		}
	}
	if ts := p.Target; ts != nil {
		v.Chart[SecTarget] = targetBars(ts, lang)
		if ts.ForecastQuarter != "" {
			if ts.HasForecastCompletion {
				v.Text["fcq"] = sprintf(lang, "fc.quarter", ts.ForecastQuarter, n.money(ts.ForecastRevenue), n.money(ts.ForecastTarget), n.pct(ts.ForecastCompletion))
			} else {
				v.Text["fcq"] = sprintf(lang, "fc.quarter.nt", ts.ForecastQuarter, n.money(ts.ForecastRevenue))
			}
		}
	}
	if gs := p.Goal; gs != nil {
		v.Text["goal"] = goalText(lang, gs.Plan)
	}
	if g := p.Growth; g != nil {
		v.Chart[SecGrowth] = waterfall(g, lang)
		v.Text["growth"] = typeset(g.Summary)
		if lang == LangZH {
			v.Text["growth"] = sprintf(lang, "growth.lead", g.Quarter, g.BaseQuarter, n.signedPct(g.Growth), n.points(g.Gap))
		}
	}
	if w := p.WhatIf; w != nil && w.Error == "" {
		v.Chart[SecWhatIf] = whatIfBars(w, lang)
		lo, hi := n.signedPct(w.SustainedPercentLo), n.signedPct(w.SustainedPercentHi)
		switch {
		case lang != LangZH:
			v.Text["whatif"] = typeset(w.Summary)
		case w.Withheld:
			v.Text["whatif"] = sprintf(lang, "whatif.withheld", lo, hi)
		case w.Uncertain && w.UncertainDriver != "":
			v.Text["whatif"] = sprintf(lang, "whatif.uncertain", lo, hi, uncertainSentence(lang, w.UncertainDriver, 0))
		case w.Uncertain:
			v.Text["whatif"] = sprintf(lang, "whatif.uncertain", lo, hi, T(lang, "whatif.uncertain.several"))
		default:
			v.Text["whatif"] = sprintf(lang, "whatif.result", n.signedPct(w.SustainedPercent), lo, hi)
		}
	}
	if c := p.Causes; c != nil {
		// A share of the gap outside 0–100 % is no share: say it in points and why.
		if c.ExplainedShare >= 0 && c.ExplainedShare <= 1 {
			v.Text["causes.share"] = T(lang, "causes.ofgap") + ": " + n.pct(c.ExplainedShare)
		} else {
			v.Text["causes.share"] = sprintf(lang, "causes.beyond", n.points(c.Gap), n.points(math.Abs(c.Explained-c.Gap)))
		}
		if c.Shortfall {
			v.Text["causes"] = sprintf(lang, "causes.short", c.Quarter, n.money(c.Actual), n.money(c.Expected), n.pct(c.Completion), n.money(c.Actual-c.Expected))
		} else {
			v.Text["causes"] = sprintf(lang, "causes.over", c.Quarter, n.money(c.Actual), n.money(c.Expected), n.pct(c.Completion))
		}
	}
	if is := p.Incentives; is != nil && len(is.Teams) > 0 {
		v.Chart[SecIncentives] = incentiveStack(is, lang)
		v.Text["inc"] = sprintf(lang, "inc.asof", is.AsOf)
	}
	if tu := p.Turnover; tu != nil {
		f, k := tu.Forecast, len(tu.Past)
		switch {
		case lang != LangZH:
			v.Text["turnover"] = typeset(f.Summary(tu.AsOf, tu.Past))
		case k > 0:
			v.Text["turnover"] = sprintf(lang, "turn.lead", f.Employees, tu.AsOf, trim(f.Expected, 1), f.Low, f.High, n.pct(f.Turnover), n.pct(tu.Past[k-1].Rate))
		default:
			v.Text["turnover"] = sprintf(lang, "turn.lead.nopast", f.Employees, tu.AsOf, trim(f.Expected, 1), f.Low, f.High, n.pct(f.Turnover))
		}
	}
	if a := p.Accuracy; a != nil {
		if a.HasBacktest {
			v.Chart[SecAccuracy] = backtestChart(a, lang)
		}
		switch {
		case lang != LangZH:
			v.Text["acc"], v.Text["accm"] = a.Record.Summary(), a.Record.Metrics()
		case a.HasBacktest:
			v.Text["acc"] = sprintf(lang, "acc.plain", a.Origins, n.pct(a.MAPE1), n.pct(a.MAPE), a.Horizon)
		default:
			v.Text["acc"] = T(lang, "acc.none")
		}
		if lang == LangZH {
			v.Text["accm"] = sprintf(lang, "acc.metrics", numfmt.Plain(a.SMAPE)+" %", numfmt.Plain(a.MASE), a.Method)
		}
		if sm := a.AdjustedSummary; sm.Quarters > 0 {
			v.Text["adjacc"] = sprintf(lang, "adj.acc", sm.Quarters, n.pct(sm.AdjustedMAPE), n.pct(sm.ModelMAPE), sm.AdjustedNearer)
		}
	}
	return tmpl.Execute(w, v)
}

// RenderMessage writes a small page that says why the review cannot be shown (403, 400,
// 503…), with a link to go on (the sign-in page, the default review).
func RenderMessage(w io.Writer, lang, title, msg, link, linkText string) error {
	lang = ParseLang(lang)
	return messagePage.Execute(w, map[string]any{"Title": title, "Msg": msg, "Link": link, "LinkText": linkText,
		"CSS": template.CSS(pageCSS), "HTMLLang": htmlLang(lang)})
}

// SignInView is what the sign-in page shows.
type SignInView struct {
	Lang, Action, CSRF, Error string
}

// RenderSignIn writes the sign-in page: a form that posts the API key to action.
func RenderSignIn(w io.Writer, sv SignInView) error {
	sv.Lang = ParseLang(sv.Lang)
	other := LangZH
	if sv.Lang == LangZH {
		other = LangEN
	}
	return signinPage.Execute(w, map[string]any{
		"V": sv, "L": func(k string) string { return T(sv.Lang, k) }, "CSS": template.CSS(pageCSS), "Other": other,
		"HTMLLang": htmlLang(sv.Lang),
	})
}

func htmlLang(l string) string {
	if l == LangZH {
		return "zh-CN"
	}
	return "en"
}

// L is a label in the page's language.
func (v *view) L(key string) string { return T(v.Opt.Lang, key) }

// HTMLLang is the page's lang attribute.
func (v *view) HTMLLang() string { return htmlLang(v.Opt.Lang) }

// QueryFor builds the live page's query string for a quarter and language.
func (v *view) QueryFor(quarter, lang string) string {
	return "?quarter=" + template.URLQueryEscaper(quarter) + "&lang=" + template.URLQueryEscaper(lang)
}

// Missed says why a section has nothing to show ("" when it has).
func (v *view) Missed(sec string) string { return v.Missing[sec] }

// Fmt formats a number for the template: kind is money, full, pct, spct, pts, int or num1.
func (v *view) Fmt(kind string, x float64) string {
	switch kind {
	case "money":
		return v.N.money(x)
	case "full":
		return v.N.full(x)
	case "pct":
		return v.N.pct(x)
	case "spct":
		return v.N.signedPct(x)
	case "pts":
		return v.N.points(x)
	case "int":
		return trim(x, 0)
	case "num1":
		return trim(x, 1)
	}
	panic("review: format " + kind)
}

// Level formats a driver's level in its unit.
func (v *view) Level(x float64, unit string) string { return v.N.level(x, unit) }

// Value formats an indicator's value in its unit, as Level does a driver's.
func (v *view) Value(x float64, unit string) string { return v.N.level(x, unit) }

// Pick chooses a Chinese or English name.
func (v *view) Pick(en, zh string) string {
	if v.Opt.Lang == LangZH && zh != "" {
		return zh
	}
	return en
}

// goalText says a cascaded goal in a sentence or two in the page's language: in English the
// plan's own summary (the one the CLI and the API say), in Chinese the same figures in words.
func goalText(lang string, p *goal.Plan) string {
	if lang != LangZH {
		return typeset(p.Summary)
	}
	n := numbers{lang: lang}
	switch {
	case !p.Reachable:
		r := p.Refusal
		return sprintf(lang, "goal.refused", p.Period, n.signedPct(p.Target), n.signedPct(r.MaxGrowth.Estimate), n.signedPct(r.MaxGrowth.Lower),
			n.signedPct(r.MaxGrowth.Upper), n.signedPct(p.Baseline.Growth), n.points(r.Gap))
	case len(p.Changes) == 0:
		return sprintf(lang, "goal.runrate", p.Period, n.signedPct(p.Target), n.signedPct(p.Baseline.Growth))
	}
	s := sprintf(lang, "goal.plan", p.Period, n.signedPct(p.Target), n.signedPct(p.Baseline.Growth), n.signedPct(p.Implied.Estimate),
		n.signedPct(p.Implied.Lower), n.signedPct(p.Implied.Upper), n.pct(p.Probability))
	for _, c := range p.Changes {
		if c.Uncertain {
			s += " " + uncertainSentence(lang, c.Driver, 0) + T(lang, "stop")
		}
	}
	return s
}

// metricName is an alert's metric in the page's language: revenue, a built-in indicator by
// its catalogue name, anything else (a tenant's own indicator) by its id.
func metricName(lang, id string) string {
	if id == "revenue" {
		return T(lang, "revenue")
	}
	for _, r := range indicators.Default().Roles {
		for _, ind := range r.Indicators {
			if ind.ID == id {
				if lang == LangZH {
					return ind.NameZh
				}
				return ind.Name
			}
		}
	}
	return id
}

// need says what one driver alone would need for a refused goal, in the page's language.
func need(lang string, nd goal.Need) string {
	n := numbers{lang: lang}
	name := pick(driverNames, nd.Driver, lang)
	if !nd.Possible {
		return sprintf(lang, "goal.need.impossible", name)
	}
	return sprintf(lang, "goal.need", name, n.level(nd.To, nd.Unit), n.signedPct(nd.Relative))
}

// uncertainSentence is the company model's one sentence for a driver whose direction the data
// cannot tell, in the page's language.
func uncertainSentence(lang, driver string, sign int) string {
	if lang == LangZH {
		return company.UncertainSentenceZh(driver, sign)
	}
	return company.UncertainSentence(driver, sign)
}

// rationale is a suggested indicator's rationale: the suggestion's own (English) text, or in
// Chinese the same facts worded from its fields.
func rationale(lang string, s indicators.Suggested) string {
	if lang != LangZH {
		return s.Rationale
	}
	name := s.NameZh
	if name == "" {
		name = s.Name
	}
	switch {
	case s.Kind == indicators.Outcome:
		return name + "是增长目标本身，沿用文章给出的权重，而非估计其对增长的影响。"
	case s.GrowthPerStep == nil || s.Effect == nil:
		if strings.Contains(s.Rationale, "by construction") {
			return name + "随收入同步变动，无法从增长中估计其影响，沿用目录权重。"
		}
		return name + "的历史数据不足以估计其对增长的影响，沿用文章给出的权重。"
	}
	g := s.GrowthPerStep
	n := numbers{lang: lang}
	src := "公司模型"
	if s.Effect.Source == "panel regression" {
		src = "面板回归"
	} else if s.Effect.Source == "prior" {
		src = "目录先验"
	}
	// The step in Chinese: the number with the units the page translates, else bare.
	num, unit, _ := strings.Cut(s.StepLabel, " ")
	step := num
	if u, ok := map[string]string{"%": " %", "pt": " 个百分点", "day": " 天", "days": " 天", "hour": " 小时", "hours": " 小时"}[unit]; ok {
		step += u
	}
	if s.Effect.Uncertain {
		return fmt.Sprintf("%s %s → 增长介于 %s 与 %s 之间（%s）：%s。", name, step, n.points(g.Lower/100), n.points(g.Upper/100), src, company.UncertainSentenceZh(s.Formula, 0))
	}
	out := fmt.Sprintf("%s %s → 增长 %s [%s, %s]（%s）", name, step, n.points(g.Estimate/100), n.points(g.Lower/100), n.points(g.Upper/100), src)
	if s.Direction == "down" && s.Effect.Estimate >= 0 || s.Direction != "down" && s.Effect.Estimate <= 0 {
		out += "；数据未显示改善它能带来增长，因此降低其权重"
	} else if g.Lower < 0 && g.Upper > 0 {
		out += "；区间跨越零，数据尚不能确定它有助于增长"
	}
	return out + "。"
}
