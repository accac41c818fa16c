package review

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/growthlens/growthlens/internal/numfmt"
)

// Languages of the page: English and Simplified Chinese.
const (
	LangEN = "en"
	LangZH = "zh"
)

// ParseLang reads a lang parameter; anything but "zh" (or zh-…) is English.
func ParseLang(s string) string {
	if s == LangZH || strings.HasPrefix(strings.ToLower(s), "zh") {
		return LangZH
	}
	return LangEN
}

// labels holds every fixed text of the page, English then Chinese. A key missing here is a
// programmer error (a test renders every key in both languages).
var labels = map[string][2]string{
	"title":                    {"Quarterly review", "季度经营回顾"},
	"skip":                     {"Skip to content", "跳到正文"},
	"tenant":                   {"Company", "公司"},
	"quarter":                  {"Quarter", "季度"},
	"show":                     {"Show", "查看"},
	"language":                 {"Language", "语言"},
	"signout":                  {"Sign out", "退出登录"},
	"asof":                     {"Data before", "数据早于"}, // AsOf is the day after the data
	"assessed":                 {"last quarter with actuals", "最近有实际数据的季度"},
	"generated":                {"Generated from the models in use", "依据当前使用的模型生成"},
	"print":                    {"Print", "打印"},
	"sec.forecast":             {"Revenue forecast", "收入预测"},
	"sec.target":               {"Actual against target", "实际与目标"},
	"sec.growth":               {"What drove growth", "增长驱动因素"},
	"sec.goal":                 {"Growth goal and what it takes", "增长目标与实现路径"},
	"sec.alerts":               {"Open alerts", "未处理的预警"},
	"alerts.none":              {"No open alert: nothing is behind its pace, or everything behind it has been acknowledged.", "没有未处理的预警：没有指标落后于进度，或落后的都已确认。"},
	"alerts.lead":              {"Behind their pace, newest first; acknowledge one with POST /v1/alerts/ID/ack and it stays quiet.", "落后于进度的指标，最新的在前；通过 POST /v1/alerts/ID/ack 确认后不再提醒。"},
	"severity":                 {"Severity", "级别"},
	"scope":                    {"Scope", "范围"},
	"metric":                   {"Indicator", "指标"},
	"pace":                     {"Pace", "进度"},
	"notify":                   {"Told", "已通知"},
	"cause":                    {"First cause", "首要原因"},
	"warning":                  {"warning", "预警"},
	"critical":                 {"critical", "严重"},
	"goal.none":                {"No growth goal is set for this quarter or after it: a GM sets one with POST /v1/goals.", "尚未设定本季度及以后的增长目标：总经理可通过 POST /v1/goals 设定。"},
	"goal.plan":                {"%s: revenue growth of %s on the same period a year before. The run rate gives %s; the changes below bring the company model's estimate to %s (80 %% interval %s to %s), reaching the target in %s of the model's posterior draws.", "%s：收入同比增长 %s。按当前增速可达 %s；下列调整使公司模型的估计达到 %s（80%% 区间 %s 至 %s），在 %s 的后验抽样中达到目标。"},
	"goal.runrate":             {"%s: revenue growth of %s on the same period a year before. The run rate, %s, already reaches it: no driver needs to change.", "%s：收入同比增长 %s。当前增速 %s 已可达到，无需调整驱动因素。"},
	"goal.refused":             {"%s: revenue growth of %s is out of reach. With every driver at the edge of what the company's history has seen, the company model's estimate is %s (80 %% interval %s to %s) on a run rate of %s, %s short.", "%s：收入同比增长 %s 无法达到。即使每个驱动因素都达到公司历史上的可信边界，公司模型的估计也只有 %s（80%% 区间 %s 至 %s），当前增速 %s，仍差 %s。"},
	"goal.need":                {"%s to %s (%s)", "%s 调整到 %s（%s）"},
	"goal.need.impossible":     {"%s: no possible level would do it alone", "%s：单靠它无法达到"},
	"goal.needs":               {"What each driver alone would need, the others at the edge of their range", "在其他因素已达边界时，单个驱动因素需要达到的水平"},
	"goal.changes":             {"Driver changes, made at the start of the period and held", "驱动因素调整（期初实施并保持）"},
	"goal.added":               {"Growth added (80 % interval)", "增加的增长（80% 区间）"},
	"goal.roles":               {"Targets by role", "各岗位目标"},
	"goal.teams":               {"Teams", "团队数"},
	"goal.byteam":              {"%s: targets by team (each person's are in GET /v1/cascade, for keys that may see people)", "%s：各团队目标（个人目标见 GET /v1/cascade，需有查看人员数据的权限）"},
	"goal.team":                {"Team", "团队"},
	"goal.weight":              {"Weight in the role", "在岗位中的权重"},
	"stop":                     {".", "。"},
	"sec.whatif":               {"What if", "情景模拟"},
	"sec.causes":               {"Causes of the gap to target", "未达目标的原因"},
	"sec.causes.over":          {"What pushed revenue past the target, and what held it back", "推动收入超过目标的因素，以及拖累的因素"},
	"uncertain":                {"uncertain", "不确定"},
	"uncertain.range":          {"somewhere between %s and %s", "介于 %s 与 %s 之间"},
	"whatif.uncertain":         {"Revenue changes by somewhere between %s and %s (80 %% interval): %s.", "收入变化介于 %s 与 %s 之间（80%% 区间）：%s。"},
	"whatif.uncertain.several": {"the data cannot tell whether these changes together raise or lower revenue", "数据无法判断这些变化合起来会提高还是降低收入"},
	"whatif.withheld":          {"The revenue change is withheld, because its 80 %% range (%s to %s) is too wide to act on.", "收入变化不予显示：其 80%% 区间（%s 至 %s）过宽，无法据此行动。"},
	"sec.indicators":           {"Suggested indicators by role", "各岗位建议考核指标"},
	"sec.incentives":           {"Incentive recommendations by team", "各团队激励建议"},
	"sec.accuracy":             {"How accurate the forecast is", "预测准确度"},
	"sec.turnover":             {"Turnover and its forecast", "员工流失及预测"},
	"turn.year":                {"Year", "年度"},
	"turn.staff":               {"On staff at the start", "期初在职人数"},
	"turn.left":                {"Left within the year", "一年内离职"},
	"turn.rate":                {"Turnover", "流失率"},
	"turn.next":                {"Next 12 months", "未来 12 个月"},
	"turn.lead":                {"Of the %d employees on staff on %s, %s are expected to leave within 12 months (80 %% interval %d to %d), a turnover of %s; last year's was %s.", "%[2]s 在职的 %[1]d 名员工中，预计 12 个月内离职 %[3]s 人（80%% 区间 %[4]d 至 %[5]d 人），流失率 %[6]s；去年为 %[7]s。"},
	"turn.lead.nopast":         {"Of the %d employees on staff on %s, %s are expected to leave within 12 months (80 %% interval %d to %d), a turnover of %s.", "%[2]s 在职的 %[1]d 名员工中，预计 12 个月内离职 %[3]s 人（80%% 区间 %[4]d 至 %[5]d 人），流失率 %[6]s。"},
	"period":                   {"Quarter", "季度"},
	"revenue":                  {"Revenue", "收入"},
	"forecast":                 {"Forecast", "预测"},
	"actual":                   {"Actual", "实际"},
	"target":                   {"Target", "目标"},
	"completion":               {"Completion", "完成率"},
	"interval80":               {"80 % interval", "80% 区间"},
	"fc.withheld":              {"Forecast withheld, because", "预测暂不提供，原因："},
	"fc.uncertain":             {"Uncertain:", "不确定："},
	"fc.fix":                   {"What would help:", "改进所需数据："},
	"interval95":               {"95 % interval", "95% 区间"},
	"hitprob":                  {"Chance of reaching the target", "达成目标的概率"},
	"adjusted":                 {"Manager's figure", "管理层调整值"},
	"adj.title":                {"Managers' adjustments in force, beside the model's figure when each was set", "现行的管理层调整值，及设定时的模型预测"},
	"adj.model":                {"Model's figure", "模型预测"},
	"adj.note":                 {"Why", "原因"},
	"adj.when":                 {"Set on", "设定日期"},
	"adj.acc.title":            {"Managers' adjustments against the actuals", "管理层调整值与实际对比"},
	"adj.err.model":            {"Model's error", "模型偏差"},
	"adj.err.adjusted":         {"Manager's error", "调整值偏差"},
	"adj.acc":                  {"Quarters with a manager's adjustment and their actuals: %d. The adjusted figure was off by %s on average, the model's by %s; the adjustment was nearer the actual in %d of them.", "在 %d 个有管理层调整的季度中，调整值平均偏差 %s，模型预测平均偏差 %s；调整值更接近实际的有 %d 个。"},
	"fc.split":                 {"%s from the sales pipeline: %s already won, %s expected from %d open deals (worth %s if all were won), %s from deals not yet created; the forecast weighs it %s against %s from revenue history alone.", "%[1]s 销售管道预测：已赢单 %[2]s，%[4]d 个在途商机预计带来 %[3]s（全部赢单为 %[5]s），尚未创建的商机预计 %[6]s；预测以 %[7]s 的权重结合仅基于收入历史的预测 %[8]s。"},
	"fc.split.need":            {" To reach the target the open deals must bring %s.", "要达成目标，在途商机需带来 %s。"},
	"growth.qoq":               {"Growth on previous quarter", "环比增长"},
	"growth.yoy":               {"Growth on a year before", "同比增长"},
	"ytd":                      {"Year to date", "年初至今"},
	"fc.of.target":             {"Forecast against target", "预测与目标"},
	"fan.desc":                 {"Quarterly revenue: actuals so far as a solid line, the forecast as a dashed line with its 80 % band (dark) and 95 % band (light); diamonds mark targets.", "季度收入：实线为已实现收入，虚线为预测值，深色带为 80% 预测区间，浅色带为 95% 预测区间；菱形为目标。"},
	"bars.desc":                {"Actual revenue (bars) and target (line marks) for the last quarters, with the completion rate above each bar.", "最近各季度实际收入（柱）与目标（横线），柱上方为完成率。"},
	"wf.desc":                  {"Waterfall: revenue a year before, each driver's contribution, the rest, and this quarter's revenue.", "瀑布图：去年同期收入、各驱动因素的贡献、其他因素，以及本季度收入。"},
	"wi.desc":                  {"Forecast revenue per quarter without (grey) and with (blue) the scenario.", "各季度预测收入：不采取措施（灰）与采取措施后（蓝）。"},
	"inc.desc":                 {"Employees per team by the incentive recommended first.", "各团队按首选激励方式统计的员工人数。"},
	"bt.desc":                  {"Backtest: actual revenue (solid) and the forecast made one quarter before (dashed).", "回测：实际收入（实线）与提前一个季度做出的预测（虚线）。"},
	"growth.lead":              {"Revenue in %s against %s, a year before: %s, or %s in points of growth on the log scale, which the drivers' parts below add up to.", "%s 收入与去年同期 %s 相比：%s，按对数刻度为 %s，下面各驱动因素的贡献之和即为此数。"},
	"base.year":                {"A year before", "去年同期"},
	"other":                    {"Other (trend, season, noise)", "其他（趋势、季节、波动）"},
	"driver":                   {"Driver", "驱动因素"},
	"role":                     {"Responsible", "负责岗位"},
	"contribution":             {"Contribution", "贡献"},
	"interval":                 {"95 % interval", "95% 区间"},
	"level.then":               {"Level expected", "预期水平"},
	"level.now":                {"Level in quarter", "本季度水平"},
	"clear":                    {"Clear cause", "明确原因"},
	"yes":                      {"yes", "是"},
	"no":                       {"no", "否"},
	"causes.short":             {"%s: revenue %s against a target of %s (%s completion), a gap of %s.", "%s：收入 %s，目标 %s（完成率 %s），差距 %s。"},
	"causes.over":              {"%s: revenue %s beat the target of %s (%s completion).", "%s：收入 %s，超过目标 %s（完成率 %s）。"},
	"causes.nodominant":        {"No dominant cause: no driver moved abnormally the gap's way, or the ones that did explain too little of it.", "无主导原因：没有驱动因素朝差距方向异常变动，或异常变动的因素只能解释差距的一小部分。"},
	"causes.explainedby":       {"Explained by the claimed causes", "已认定原因解释的部分"},
	"causes.ofgap":             {"share of the gap", "占差距比例"},
	"causes.beyond":            {"more than the gap (%s): the rest of revenue moved the other way by %s", "超过差距（%s）：其余收入朝相反方向变动了 %s"},
	"causes.lag":               {"lag (quarters)", "滞后（季度）"},
	"whatif.lead":              {"Change the drivers you control and see the forecast move.", "调整可控的驱动因素，查看预测的变化。"},
	"whatif.spend":             {"Marketing spend change (%)", "市场投入变化（%）"},
	"whatif.response":          {"First-response time change (%, negative is faster)", "首次响应时间变化（%，负数为更快）"},
	"whatif.run":               {"Run scenario", "运行模拟"},
	"whatif.result":            {"Once every lag has passed, revenue changes by %s (80 %% interval %s to %s).", "所有滞后效应显现后，收入变化 %s（80%% 区间 %s 至 %s）。"},
	"whatif.static":            {"This is the saved report: the scenario shown is the one chosen when it was made. Open the live page to try others.", "这是离线报告，显示的是生成时选择的情景。如需尝试其他情景，请打开在线页面。"},
	"whatif.base":              {"Without", "不变"},
	"whatif.scen":              {"With scenario", "采取措施"},
	"whatif.change":            {"Change", "变化"},
	"from":                     {"Now", "当前"},
	"to":                       {"After", "调整后"},
	"weight":                   {"Weight", "权重"},
	"indicator":                {"Indicator", "指标"},
	"current":                  {"Current", "当前值"},
	"rationale":                {"Why", "依据"},
	"nodata":                   {"not measurable from the data", "数据不足，无法衡量"},
	"team":                     {"Team", "团队"},
	"employees":                {"Employees", "人数"},
	"top":                      {"Recommended first", "首选激励"},
	"risk":                     {"Attrition risk now", "当前离职风险"},
	"risk.after":               {"With the incentive", "激励后离职风险"},
	"cost":                     {"Cost", "成本"},
	"value":                    {"Expected value", "预期价值"},
	"total":                    {"All teams", "全部团队"},
	"inc.asof":                 {"Recommendations for employees on staff on %s.", "针对 %s 在职员工的建议。"},
	"acc.plain":                {"Our forecasts for the last %d quarters were off by %s on average, one quarter ahead (%s over every horizon up to %d quarters).", "过去 %d 个季度，我们提前一个季度的预测平均偏差为 %s（所有预测期平均为 %s，最长 %d 个季度）。"},
	"acc.none":                 {"No backtest: the history is too short to test the forecast on its own past.", "历史数据太短，无法回测。"},
	"acc.metrics":              {"sMAPE %s, MASE %s (M4 definitions), method %s.", "sMAPE %s，MASE %s（M4 定义），方法 %s。"},
	"models":                   {"Models in use", "使用的模型"},
	"model":                    {"Model", "模型"},
	"version":                  {"Version", "版本"},
	"created":                  {"Trained", "训练时间"},
	"unavailable":              {"Not available", "暂无"},
	"signin.title":             {"Sign in to the quarterly review", "登录季度经营回顾"},
	"signin.key":               {"API key (role gm or admin)", "API 密钥（总经理或管理员角色）"},
	"signin.submit":            {"Sign in", "登录"},
	"signin.help":              {"Ask an administrator for a key: growthlens keys create --tenant T --role gm. The key is exchanged for a session cookie and never appears in a URL.", "请向管理员申请密钥：growthlens keys create --tenant T --role gm。密钥会换成会话 Cookie，不会出现在网址中。"},
	"error":                    {"Error", "错误"},
	"forbidden":                {"Not allowed", "无权访问"},
	"fc.quarter":               {"%s is a forecast quarter: %s forecast against a target of %s (%s).", "%s 为预测季度：预测 %s，目标 %s（%s）。"},
	"fc.quarter.nt":            {"%s is a forecast quarter: %s forecast; it has no target yet.", "%s 为预测季度：预测 %s，尚无目标。"},
	"quarters":                 {"quarters", "个季度"},
}

// roleNames are the roles' names (datasets.Roles and the catalogue's roles).
var roleNames = map[string][2]string{
	"gm":               {"General manager", "总经理"},
	"sales":            {"Sales", "销售"},
	"procurement":      {"Procurement", "采购"},
	"customer_service": {"Customer service", "客服"},
	"finance":          {"Finance", "财务"},
	"admin":            {"Administration", "行政"},
	"marketing":        {"Marketing", "市场"},
	"hr":               {"HR", "人力资源"},
}

// driverNames are the driver model's drivers.
var driverNames = map[string][2]string{
	"marketing_spend":      {"Marketing spend", "市场投入"},
	"sales_headcount":      {"Sales headcount", "销售人数"},
	"reimbursement_days":   {"Reimbursement time", "报销周期"},
	"supply_lead_days":     {"Supply lead time", "供货周期"},
	"first_response_hours": {"First-response time", "首次响应时间"},
}

// rewardNames are the incentive types (datasets.RewardTypes).
var rewardNames = map[string][2]string{
	"cash_bonus":    {"Cash bonus", "现金奖金"},
	"commission":    {"Commission", "销售提成"},
	"promotion":     {"Promotion", "晋升"},
	"training":      {"Training", "培训"},
	"recognition":   {"Recognition", "荣誉表彰"},
	"equity":        {"Equity", "股权"},
	"flexible_time": {"Flexible time", "弹性工作"},
}

// unitNames translate the drivers' units.
var unitNames = map[string][2]string{
	"currency":      {"", ""},
	"employees":     {"employees", "人"},
	"days":          {"days", "天"},
	"hours":         {"hours", "小时"},
	"accounts":      {"accounts", "个客户"},
	"opportunities": {"opportunities", "个商机"},
	"points":        {"points", "分"},
	"score":         {"", "分"},
	"turns":         {"turns", "次"},
	"open":          {"open", "个未结"},
	"revenue":       {"", ""},
}

func pick(m map[string][2]string, key, lang string) string {
	v, ok := m[key]
	if !ok {
		return key
	}
	if lang == LangZH {
		return v[1]
	}
	return v[0]
}

// T returns a label in lang; it panics on a key that is not in the table (a programmer
// error the tests catch).
func T(lang, key string) string {
	if _, ok := labels[key]; !ok {
		panic("review: no label " + strconv.Quote(key))
	}
	return pick(labels, key, lang)
}

// numbers formats figures for one language. In English every figure is the one the CLI and
// the API's sentences print (package numfmt: money grouped to four significant digits with its
// currency, shares and changes to one decimal), with a typographic minus; in Chinese money is
// counted in 万 and 亿 to the same four significant digits. Only the charts' axes and bar
// labels, which have no room, shorten money (short).
type numbers struct{ lang, currency string }

// money formats an amount with its currency: 3,690,000 CNY in English, 369.0 万 CNY in
// Chinese.
func (n numbers) money(x float64) string {
	if n.lang != LangZH {
		return typeset(numfmt.Money(x, n.currency))
	}
	s := n.short(x)
	if n.currency == "" || s == "–" {
		return s
	}
	return s + " " + n.currency
}

// short formats an amount compactly without the currency, for the charts: 3.69 M in English,
// 369.0 万 in Chinese.
func (n numbers) short(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	a := math.Abs(x)
	if n.lang == LangZH {
		switch {
		case a >= 1e8:
			return trimSig(x/1e8, 2) + " 亿"
		case a >= 1e4:
			return trimSig(x/1e4, 1) + " 万"
		}
		return trimSig(x, 0)
	}
	switch {
	case a >= 1e9:
		return trimSig(x/1e9, 2) + " B"
	case a >= 1e6:
		return trimSig(x/1e6, 2) + " M"
	case a >= 1e3:
		return trimSig(x/1e3, 1) + " k"
	}
	return trimSig(x, 0)
}

// full formats an amount with thousands separators, four significant digits and its
// currency, in either language.
func (n numbers) full(x float64) string { return typeset(numfmt.Money(x, n.currency)) }

// pct formats a fraction as a percentage with one decimal.
func (n numbers) pct(x float64) string { return typeset(numfmt.Percent(x)) }

// signedPct formats a fraction as a signed percentage.
func (n numbers) signedPct(x float64) string { return typeset(numfmt.SignedPercent(x)) }

// points formats log points of revenue as percentage points.
func (n numbers) points(x float64) string {
	s := typeset(numfmt.Points(x))
	if n.lang == LangZH {
		return strings.TrimSuffix(s, " pt") + " 个百分点"
	}
	return s
}

// level formats a driver's or an indicator's level in its unit: in English as numfmt.Level
// (the CLI's figure); in Chinese money in 万, shares as percentages, other numbers with the
// unit's Chinese name where the page has one and bare otherwise.
func (n numbers) level(x float64, unit string) string {
	if n.lang != LangZH {
		return typeset(numfmt.Level(x, unit, n.currency))
	}
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "–"
	case strings.HasPrefix(unit, "share"):
		return n.pct(x)
	case unit == "currency" || unit == "revenue" || strings.HasPrefix(unit, "currency "):
		return n.money(x)
	}
	u := ""
	if _, ok := unitNames[unit]; ok {
		u = pick(unitNames, unit, n.lang)
	}
	return strings.TrimSpace(typeset(numfmt.Plain(x)) + " " + u)
}

// typeset writes a number's minus sign as the typographic minus (U+2212): the same figure as
// numfmt's, set for a page.
func typeset(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			b.WriteString("−")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// roundSig rounds x to n significant digits.
func roundSig(x float64, n int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	p := math.Pow(10, float64(n-1)-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

// trimSig is trim with at most four significant digits: fewer decimals for larger values.
func trimSig(x float64, maxDec int) string {
	x = roundSig(x, 4)
	dec := maxDec
	if x != 0 {
		dec = min(maxDec, max(0, 3-int(math.Floor(math.Log10(math.Abs(x))))))
	}
	return trim(x, dec)
}

func trim(x float64, dec int) string {
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.HasPrefix(s, "-") {
		s = "−" + s[1:]
	}
	if s == "−0" || strings.HasPrefix(s, "−0.") && strings.Trim(s[len("−0."):], "0") == "" {
		s = s[len("−"):]
	}
	return s
}

func sprintf(lang, key string, args ...any) string { return fmt.Sprintf(T(lang, key), args...) }
