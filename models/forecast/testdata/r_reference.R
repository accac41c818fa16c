# Reference values for the models/forecast unit tests, from R's forecast package.
# Run from the repository root:  Rscript models/forecast/testdata/r_reference.R
# (R 4.2, forecast 8.20 from Debian r-cran-forecast). The tests quote the lines they pin.
suppressMessages(library(forecast))
d <- read.csv("models/forecast/testdata/r_series.csv", stringsAsFactors = FALSE)
fmt <- function(x) paste(sprintf("%.6f", x), collapse = ", ")
for (i in seq_len(nrow(d))) {
  y <- ts(as.numeric(strsplit(d$values[i], " ")[[1]]), frequency = d$period[i])
  nm <- d$name[i]
  for (mod in c("ANN", "AAN", "AAdN", "MNN", "MAdN", "ANA", "AAA", "MAM", "MNM", "MAdM")) {
    damped <- grepl("d", mod)
    fit <- try(ets(y, model = sub("d", "", mod), damped = damped), silent = TRUE)
    if (inherits(fit, "try-error")) { cat(nm, mod, "error\n"); next }
    p <- fit$par
    cat(sprintf("%s %s par: alpha=%.6f beta=%.6f gamma=%.6f phi=%.6f loglik=%.6f aicc=%.6f\n",
                nm, mod, p["alpha"], p["beta"], p["gamma"], p["phi"], fit$loglik, fit$aicc))
    cat(sprintf("%s %s mean: %s\n", nm, mod, fmt(forecast(fit, h = 8)$mean)))
  }
  fit <- ets(y)
  cat(sprintf("%s auto: %s aicc=%.6f mean: %s\n", nm, fit$method, fit$aicc, fmt(forecast(fit, h = 8)$mean)))
  th <- thetaf(y, h = 8)
  cat(sprintf("%s thetaf: alpha=%.6f drift=%.6f mean: %s\n", nm, th$model$alpha, th$model$drift, fmt(th$mean)))
  s <- ses(y, h = 8)
  cat(sprintf("%s ses: alpha=%.6f mean: %s\n", nm, s$model$par["alpha"], fmt(s$mean)))
  hd <- holt(y, h = 8, damped = TRUE)
  cat(sprintf("%s holt-damped: alpha=%.6f beta=%.6f phi=%.6f mean: %s\n", nm,
              hd$model$par["alpha"], hd$model$par["beta"], hd$model$par["phi"], fmt(hd$mean)))
  # Seasonal ARIMA by conditional sum of squares, fixed orders and auto.arima's choice.
  for (o in list(c(1, 1, 0, 0, 0, 0, 1), c(0, 1, 1, 0, 1, 1, 0), c(1, 0, 0, 1, 1, 0, 1), c(2, 1, 1, 0, 0, 0, 0))) {
    fit <- try(Arima(y, order = o[1:3], seasonal = o[4:6], include.drift = o[7] == 1, method = "CSS"), silent = TRUE)
    tag <- sprintf("arima%d%d%d%d%d%d%s", o[1], o[2], o[3], o[4], o[5], o[6], if (o[7] == 1) "drift" else "")
    if (inherits(fit, "try-error")) { cat(nm, tag, "error\n"); next }
    cat(sprintf("%s %s coef: %s sse=%.6f mean: %s\n", nm, tag, fmt(coef(fit)), sum(residuals(fit)^2),
                fmt(forecast(fit, h = 8)$mean)))
  }
  fit <- auto.arima(y, method = "CSS")
  cat(sprintf("%s auto-arima: %s aicc=%.6f mean: %s\n", nm, gsub(" ", "_", as.character(fit)), fit$aicc,
              fmt(forecast(fit, h = 8)$mean)))
  cat(sprintf("%s ndiffs: %d kpss=%.6f\n", nm, ndiffs(y), urca::ur.kpss(y, type = "mu", use.lag = trunc(3 * sqrt(length(y)) / 13))@teststat))
  r <- acf(y, lag.max = 4, plot = FALSE)$acf[2:5]
  cat(sprintf("%s acf: %s\n", nm, fmt(r)))
  if (length(y) >= 8) {
    cat(sprintf("%s decompose-mult: %s\n", nm, fmt(decompose(y, "multiplicative")$figure)))
    cat(sprintf("%s decompose-add: %s\n", nm, fmt(decompose(y, "additive")$figure)))
  }
}
# Admissible region of seasonal models (m = 4): forecast's own check and the largest root of
# the characteristic polynomial it tests.
adm <- list(c(0.3, 0.1, 0.2, 0.9), c(0.9, 0.5, 0.09, 0.98), c(0.05, 0.04, 0.9, 0.95),
            c(0.5, 0.3, 0.45, 1), c(0.2, 0.19, 0.7, 0.8), c(0.6, 0.55, 0.3, 0.85),
            c(0.4, 1.75, 1.42, 0.93), c(1.44, 1.98, 0.57, 0.96), c(0.63, 0.8, 0.99, 0.88))
for (a in adm) {
  al <- a[1]; be <- a[2]; ga <- a[3]; ph <- a[4]; m <- 4
  P <- c(ph * (1 - al - ga), al + be - al * ph + ga - 1, rep(al + be - al * ph, m - 2), al + be - ph, 1)
  cat(sprintf("admissible alpha=%.2f beta=%.2f gamma=%.2f phi=%.2f -> %d max|root|=%.6f\n",
              al, be, ga, ph, forecast:::admissible(al, be, ga, ph, m), max(Mod(polyroot(P)))))
}
