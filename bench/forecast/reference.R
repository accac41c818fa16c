# R forecast reference forecasts for `make bench-forecast` (bench/forecast/main.go runs it).
#   Rscript bench/forecast/reference.R TRAIN.csv TEST.csv OUTDIR [LEVELS]
# For every series in the long-format TRAIN file it forecasts as many periods as TEST holds
# with forecast::ets(y), forecast::thetaf(y) and forecast::auto.arima(y), all defaults, and
# writes OUTDIR/<method>.csv (id,h,mean,lo<L>,hi<L>…) and OUTDIR/<method>.time (elapsed
# and CPU seconds for the whole loop, model fitting and forecasting only).
suppressMessages(library(forecast))
args <- commandArgs(TRUE)
train <- read.csv(args[1], stringsAsFactors = FALSE)
test <- read.csv(args[2], stringsAsFactors = FALSE)
outdir <- args[3]
levels <- if (length(args) >= 4) as.numeric(strsplit(args[4], ",")[[1]]) else c(80, 95)
freq <- if ("quarter" %in% names(train)) 4 else 12
ids <- unique(train$id)
series <- lapply(ids, function(id) ts(train$y[train$id == id], frequency = freq))
hs <- sapply(ids, function(id) sum(test$id == id))
methods <- list(
  ets = function(y, h) forecast(ets(y), h = h, level = levels),
  thetaf = function(y, h) thetaf(y, h = h, level = levels),
  arima = function(y, h) forecast(auto.arima(y), h = h, level = levels)
)
for (name in names(methods)) {
  fc <- vector("list", length(ids))
  t0 <- proc.time()
  for (i in seq_along(ids)) fc[[i]] <- methods[[name]](series[[i]], hs[i])
  el <- proc.time() - t0
  rows <- do.call(rbind, lapply(seq_along(ids), function(i) {
    f <- fc[[i]]
    d <- data.frame(id = ids[i], h = seq_len(hs[i]), mean = as.numeric(f$mean))
    for (j in seq_along(levels)) {
      d[[paste0("lo", levels[j])]] <- as.numeric(f$lower[, j])
      d[[paste0("hi", levels[j])]] <- as.numeric(f$upper[, j])
    }
    d
  }))
  write.csv(rows, file.path(outdir, paste0(name, ".csv")), row.names = FALSE)
  writeLines(sprintf("%.3f %.3f", el[["elapsed"]], el[["user.self"]] + el[["sys.self"]]),
             file.path(outdir, paste0(name, ".time")))
  message(sprintf("%s: %.1fs", name, el[["elapsed"]]))
}
