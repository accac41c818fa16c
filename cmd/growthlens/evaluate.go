package main

import "github.com/spf13/cobra"

func newEvaluateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Score models on held-out data and print the metrics",
		Long: `evaluate scores growthlens's models on data they were not fitted on and prints the
metrics (one JSON object with --json), so anyone can check the accuracy claims.`,
	}
	cmd.AddCommand(
		newEvaluateClassifierCmd(a),
		newEvaluateForecastCmd(a),
		newEvaluateAllCmd(a),
		newEvaluateRootcauseCmd(a),
		newEvaluateSlicesCmd(a),
		newEvaluateDriversCmd(a),
		newEvaluatePipelineCmd(a),
		newEvaluateIncentiveCmd(a),
	)
	return cmd
}
