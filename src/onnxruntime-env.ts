/**
 * onnxruntime's native library reads ORT_DISABLE_TELEMETRY from the process environment; where its
 * telemetry cannot run it prints plain-text lines to stderr, among the service's JSON log lines.
 * server.ts imports this module first, so the variable is set before onnxruntime loads. It writes the
 * environment rather than reading settings from it (that stays src/config.ts' job); a value the
 * environment already has wins.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1'
