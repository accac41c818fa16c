package forecast_test

import (
	"fmt"

	"github.com/growthlens/growthlens/models/forecast"
)

// Quarterly revenue of a small company, 2019Q1–2023Q4.
var revenue = []float64{
	410, 455, 432, 520, 436, 480, 466, 561, 470, 521, 498, 602,
	505, 556, 540, 648, 541, 598, 577, 689,
}

func ExampleAuto() {
	s := forecast.Series{Values: revenue, Period: 4, Start: forecast.PeriodIndex{Year: 2019, Sub: 1}}
	res, err := forecast.Auto(s, forecast.Options{Horizon: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Method)
	for h, p := range res.Periods {
		fmt.Printf("%s %6.0f  80%% [%4.0f, %4.0f]\n", p, res.Mean[h], res.Intervals[0].Lower[h], res.Intervals[0].Upper[h])
	}
	// Output:
	// auto(median: ets, ces, 4theta, arima)
	// 2024Q1    575  80% [ 555,  595]
	// 2024Q2    636  80% [ 602,  671]
	// 2024Q3    610  80% [ 567,  652]
	// 2024Q4    729  80% [ 668,  790]
}

func ExampleGrowth() {
	s := forecast.Series{Values: revenue, Period: 4, Start: forecast.PeriodIndex{Year: 2019, Sub: 1}}
	res, err := forecast.Auto(s, forecast.Options{Horizon: 4, Levels: []float64{80}})
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := forecast.Growth(s, res)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range g.YoY {
		fmt.Printf("%s YoY %+5.1f%%  80%% [%+5.1f%%, %+5.1f%%]\n", r.Period, 100*r.Mean, 100*r.Intervals[0].Lower, 100*r.Intervals[0].Upper)
	}
	// Output:
	// 2024Q1 YoY  +6.3%  80% [ +2.5%, +10.1%]
	// 2024Q2 YoY  +6.4%  80% [ +0.3%, +12.4%]
	// 2024Q3 YoY  +5.7%  80% [ -2.0%, +13.4%]
	// 2024Q4 YoY  +5.8%  80% [ -3.6%, +14.8%]
}
