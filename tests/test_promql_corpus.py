"""golive_lib.promql on real-world PromQL: the shapes of Sloth's and Pyrra's generated
rules, kube-prometheus and the monitoring mixins (node, kubernetes, etcd, blackbox),
written for these tests. Each expression is parsed by golive with the metric names it
reads (and, where given, the longest range: what burn-rate matching uses), and the whole
table is one rule file that `promtool check rules` accepts (one call)."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from golive_lib import promql

M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

# (expression, metric names read, longest range or subquery window; None: not asserted)
CORPUS: list[tuple[str, set[str], timedelta | None]] = [
    # --- Sloth: SLI recordings, period rules, metadata, alerts
    (
        '(sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[5m])))'
        '\n/\n(sum(rate(http_request_duration_seconds_count{job="myservice"}[5m])))',
        {"http_request_duration_seconds_count"},
        5 * M,
    ),
    (
        'sum_over_time(slo:sli_error:ratio_rate5m{sloth_id="a-b", sloth_service="a", '
        'sloth_slo="b"}[30d])\n/ ignoring (sloth_window)\ncount_over_time('
        'slo:sli_error:ratio_rate5m{sloth_id="a-b", sloth_service="a", sloth_slo="b"}[30d])',
        {"slo:sli_error:ratio_rate5m"},
        30 * D,
    ),
    ("vector(0.9990000000000001)", set(), None),
    ("vector(1-0.9990000000000001)", set(), None),
    ("vector(28)", set(), None),
    (
        'slo:sli_error:ratio_rate5m{sloth_id="a-b", sloth_service="a", sloth_slo="b"}\n'
        "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
        'slo:error_budget:ratio{sloth_id="a-b", sloth_service="a", sloth_slo="b"}',
        {"slo:sli_error:ratio_rate5m", "slo:error_budget:ratio"},
        None,
    ),
    (
        '1 - slo:period_burn_rate:ratio{sloth_id="a-b", sloth_service="a", sloth_slo="b"}',
        {"slo:period_burn_rate:ratio"},
        None,
    ),
    (
        '(\n    max(slo:sli_error:ratio_rate5m{sloth_id="a-b"} > (14.4 * 0.0009999999999999432))'
        ' without (sloth_window)\n    and\n    max(slo:sli_error:ratio_rate1h{sloth_id="a-b"} >'
        " (14.4 * 0.0009999999999999432)) without (sloth_window)\n)\nor\n(\n    max("
        'slo:sli_error:ratio_rate30m{sloth_id="a-b"} > (6 * 0.0009999999999999432)) without '
        '(sloth_window)\n    and\n    max(slo:sli_error:ratio_rate6h{sloth_id="a-b"} > (6 * '
        "0.0009999999999999432)) without (sloth_window)\n)",
        {
            "slo:sli_error:ratio_rate5m",
            "slo:sli_error:ratio_rate1h",
            "slo:sli_error:ratio_rate30m",
            "slo:sli_error:ratio_rate6h",
        },
        None,
    ),
    (
        'sum(rate(apiserver_request_total{verb!~"WATCH|CONNECT",code=~"(5..|429)"}[5m]))\n/\n'
        'sum(rate(apiserver_request_total{verb!~"WATCH|CONNECT"}[5m]))',
        {"apiserver_request_total"},
        5 * M,
    ),
    (
        '1 - (sum(rate(http_request_duration_seconds_bucket{job="api",le="0.3"}[1h])) / '
        'sum(rate(http_request_duration_seconds_count{job="api"}[1h])))',
        {"http_request_duration_seconds_bucket", "http_request_duration_seconds_count"},
        H,
    ),
    # --- Pyrra: increase, burnrates, alerts, latency and bool-gauge indicators
    (
        'sum by (code) (increase(http_requests_total{job="api"}[4w]))',
        {"http_requests_total"},
        28 * D,
    ),
    (
        'sum(rate(http_requests_total{code=~"5..",job="api"}[1h])) / '
        'sum(rate(http_requests_total{job="api"}[1h]))',
        {"http_requests_total"},
        H,
    ),
    (
        'http_requests:burnrate5m{job="api",slo="api-errors"} > (14 * (1-0.99)) and '
        'http_requests:burnrate1h{job="api",slo="api-errors"} > (14 * (1-0.99))',
        {"http_requests:burnrate5m", "http_requests:burnrate1h"},
        None,
    ),
    (
        '(sum(rate(http_request_duration_seconds_count{job="api"}[30m])) - '
        'sum(rate(http_request_duration_seconds_bucket{job="api",le="1"}[30m]))) / '
        'sum(rate(http_request_duration_seconds_count{job="api"}[30m]))',
        {"http_request_duration_seconds_count", "http_request_duration_seconds_bucket"},
        30 * M,
    ),
    (
        'sum(count_over_time(up{job="api"}[6h])) - sum(sum_over_time(up{job="api"}[6h]))',
        {"up"},
        6 * H,
    ),
    (
        'sum(http_requests:increase4w{job="api",slo="api-errors",code=~"5.."} or vector(0)) / '
        'sum(http_requests:increase4w{job="api",slo="api-errors"})',
        {"http_requests:increase4w"},
        None,
    ),
    (
        'absent(http_requests_total{job="api"}) == 1',
        {"http_requests_total"},
        None,
    ),
    (
        'max(http_requests:burnrate1d{slo="x"}) by (slo) > (2 * (1-0.995))',
        {"http_requests:burnrate1d"},
        None,
    ),
    (
        '1 - sum(grpc_server_handled_total{grpc_code!~"Aborted|Unavailable|Internal"}) / '
        "sum(grpc_server_handled_total)",
        {"grpc_server_handled_total"},
        None,
    ),
    (
        'sum(rate(grpc_server_handled_total{grpc_service="a.B",grpc_code=~"Unknown|Internal"}[2h]))'
        ' / sum(rate(grpc_server_handled_total{grpc_service="a.B"}[2h]))',
        {"grpc_server_handled_total"},
        2 * H,
    ),
    # --- subqueries, offset, @
    ("rate(http_requests_total[5m])[1h:5m]", {"http_requests_total"}, H),
    ("min_over_time(up[10m:1m])", {"up"}, 10 * M),
    ("max_over_time(rate(http_requests_total[5m])[1d:])", {"http_requests_total"}, D),
    (
        '1 - avg_over_time((sum(rate(http_requests_total{code!~"5.."}[5m])) / '
        "sum(rate(http_requests_total[5m])))[28d:5m])",
        {"http_requests_total"},
        28 * D,
    ),
    ('avg_over_time(probe_success{job="blackbox"}[30d])', {"probe_success"}, 30 * D),
    ("quantile_over_time(0.99, rate(x_total[1m])[1h:1m])", {"x_total"}, H),
    ("rate(http_requests_total[5m] offset 1w)", {"http_requests_total"}, 5 * M),
    ("http_requests_total offset -5m", {"http_requests_total"}, None),
    ("sum(http_requests_total @ 1609746000)", {"http_requests_total"}, None),
    ("rate(http_requests_total[5m] @ end())", {"http_requests_total"}, 5 * M),
    ("rate(http_requests_total[5m] @ start() offset 1h)", {"http_requests_total"}, 5 * M),
    ("max_over_time(deriv(rate(x_total[1m])[5m:1m])[10m:])", {"x_total"}, 10 * M),
    ("rate(http_requests_total[5m])[30m:1m] offset 1h", {"http_requests_total"}, 30 * M),
    ("last_over_time(up[1h]) unless up", {"up"}, H),
    ("present_over_time(up[5m])", {"up"}, 5 * M),
    ('absent_over_time(up{job="x"}[10m])', {"up"}, 10 * M),
    ("changes(process_start_time_seconds[1h]) > 2", {"process_start_time_seconds"}, H),
    ("resets(http_requests_total[1h])", {"http_requests_total"}, H),
    ("stddev_over_time(x[1h]) / avg_over_time(x[1h])", {"x"}, H),
    ("holt_winters(x[1h], 0.5, 0.5)", {"x"}, H),
    (
        "predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600) < 0",
        {"node_filesystem_avail_bytes"},
        6 * H,
    ),
    ("irate(x_total[2m])", {"x_total"}, 2 * M),
    ("delta(cpu_temp_celsius[2h])", {"cpu_temp_celsius"}, 2 * H),
    ("idelta(x[5m])", {"x"}, 5 * M),
    ("increase(x_total[1y])", {"x_total"}, timedelta(days=365)),
    ("rate(x_total[1h30m])", {"x_total"}, 90 * M),
    ("rate(x_total[90s])", {"x_total"}, timedelta(seconds=90)),
    ("rate(x_total[1w])", {"x_total"}, 7 * D),
    # --- kube-prometheus / kubernetes-mixin
    (
        "sum by (cluster, namespace, pod, container) (irate(container_cpu_usage_seconds_total"
        '{job="kubelet", metrics_path="/metrics/cadvisor", image!=""}[5m])) * on (cluster, '
        "namespace, pod) group_left(node) topk by (cluster, namespace, pod) (1, max by "
        '(cluster, namespace, pod, node) (kube_pod_info{node!=""}))',
        {"container_cpu_usage_seconds_total", "kube_pod_info"},
        5 * M,
    ),
    (
        'kube_deployment_spec_replicas{job="kube-state-metrics"} > '
        'kube_deployment_status_replicas_available{job="kube-state-metrics"}',
        {"kube_deployment_spec_replicas", "kube_deployment_status_replicas_available"},
        None,
    ),
    (
        'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", '
        'job="kube-state-metrics"}[5m]) >= 1',
        {"kube_pod_container_status_waiting_reason"},
        5 * M,
    ),
    (
        'sum by (namespace, pod) (max by(namespace, pod) (kube_pod_status_phase{job="kube-state'
        '-metrics", phase=~"Pending|Unknown|Failed"}) * on(namespace, pod) group_left(owner_kind)'
        " topk by(namespace, pod) (1, max by(namespace, pod, owner_kind) (kube_pod_owner"
        '{owner_kind!="Job"}))) > 0',
        {"kube_pod_status_phase", "kube_pod_owner"},
        None,
    ),
    (
        "(kube_horizontalpodautoscaler_status_desired_replicas != kube_horizontalpodautoscaler_"
        "status_current_replicas) and (kube_horizontalpodautoscaler_status_current_replicas > "
        "kube_horizontalpodautoscaler_spec_min_replicas) and changes(kube_horizontalpodautoscaler"
        "_status_current_replicas[15m]) == 0",
        {
            "kube_horizontalpodautoscaler_status_desired_replicas",
            "kube_horizontalpodautoscaler_status_current_replicas",
            "kube_horizontalpodautoscaler_spec_min_replicas",
        },
        15 * M,
    ),
    (
        "sum(namespace_cpu:kube_pod_container_resource_requests:sum{}) - (sum(kube_node_status"
        '_allocatable{resource="cpu", job="kube-state-metrics"}) - max(kube_node_status_'
        'allocatable{resource="cpu", job="kube-state-metrics"})) > 0',
        {"namespace_cpu:kube_pod_container_resource_requests:sum", "kube_node_status_allocatable"},
        None,
    ),
    (
        'sum(increase(container_cpu_cfs_throttled_periods_total{container!=""}[5m])) by '
        "(container, pod, namespace) / sum(increase(container_cpu_cfs_periods_total[5m])) by "
        "(container, pod, namespace) > (25 / 100)",
        {"container_cpu_cfs_throttled_periods_total", "container_cpu_cfs_periods_total"},
        5 * M,
    ),
    (
        'kubelet_volume_stats_available_bytes{job="kubelet"} / kubelet_volume_stats_capacity_'
        'bytes{job="kubelet"} < 0.03 and kubelet_volume_stats_used_bytes{job="kubelet"} > 0 '
        "unless on(namespace, persistentvolumeclaim) kube_persistentvolumeclaim_access_mode"
        '{access_mode="ReadOnlyMany"} == 1',
        {
            "kubelet_volume_stats_available_bytes",
            "kubelet_volume_stats_capacity_bytes",
            "kubelet_volume_stats_used_bytes",
            "kube_persistentvolumeclaim_access_mode",
        },
        None,
    ),
    (
        "histogram_quantile(0.99, sum(rate(apiserver_request_duration_seconds_bucket{job="
        '"apiserver",verb!~"LIST|WATCH"}[5m])) without(instance, pod))',
        {"apiserver_request_duration_seconds_bucket"},
        5 * M,
    ),
    (
        'sum by (cluster) (rate(apiserver_request_total{job="apiserver",code=~"5.."}[1d])) / '
        'scalar(sum(rate(apiserver_request_total{job="apiserver"}[1d])))',
        {"apiserver_request_total"},
        D,
    ),
    (
        'label_replace(kube_node_info, "node", "$1", "node", "(.*)")',
        {"kube_node_info"},
        None,
    ),
    (
        'count by (cluster, namespace) (label_join(kube_pod_info, "pn", "/", "namespace", "pod"))',
        {"kube_pod_info"},
        None,
    ),
    (
        'sum by (namespace) (kube_resourcequota{type="hard",resource="cpu"}) / ignoring(instance,'
        ' job, type) (count(kube_node_status_allocatable{resource="cpu"}) > 0)',
        {"kube_resourcequota", "kube_node_status_allocatable"},
        None,
    ),
    (
        'count(count by (git_version) (label_replace(kubernetes_build_info{job!~"kube-dns|'
        'coredns"},"git_version","$1","git_version","(v[0-9]*.[0-9]*).*"))) > 1',
        {"kubernetes_build_info"},
        None,
    ),
    (
        'apiserver_client_certificate_expiration_seconds_count{job="apiserver"} > 0 and on(job) '
        "histogram_quantile(0.01, sum by (job, le) (rate(apiserver_client_certificate_expiration"
        '_seconds_bucket{job="apiserver"}[5m]))) < 604800',
        {
            "apiserver_client_certificate_expiration_seconds_count",
            "apiserver_client_certificate_expiration_seconds_bucket",
        },
        5 * M,
    ),
    (
        'kube_job_status_failed{job="kube-state-metrics"} > 0',
        {"kube_job_status_failed"},
        None,
    ),
    (
        "time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time) > 3600",
        {"kube_cronjob_status_last_successful_time"},
        None,
    ),
    (
        "sum without (instance) (rate(prometheus_rule_evaluation_failures_total[5m])) > 0",
        {"prometheus_rule_evaluation_failures_total"},
        5 * M,
    ),
    (
        "(max_over_time(prometheus_config_last_reload_successful[5m]) == 0)",
        {"prometheus_config_last_reload_successful"},
        5 * M,
    ),
    (
        "min by (namespace, service) (rate(prometheus_remote_storage_samples_failed_total[5m])"
        " / (rate(prometheus_remote_storage_samples_failed_total[5m]) + rate(prometheus_remote_"
        "storage_samples_total[5m]))) * 100 > 1",
        {
            "prometheus_remote_storage_samples_failed_total",
            "prometheus_remote_storage_samples_total",
        },
        5 * M,
    ),
    (
        "vector(1)",
        set(),
        None,
    ),
    (
        'ALERTS{alertname!="Watchdog", alertstate="firing"}',
        {"ALERTS"},
        None,
    ),
    (
        "count by (alertname) (ALERTS_FOR_STATE) > 5",
        {"ALERTS_FOR_STATE"},
        None,
    ),
    (
        'max_over_time(alertmanager_config_last_reload_successful{job="alertmanager"}[5m]) == 0',
        {"alertmanager_config_last_reload_successful"},
        5 * M,
    ),
    (
        "(rate(alertmanager_notifications_failed_total[5m]) / ignoring (reason) group_left "
        "rate(alertmanager_notifications_total[5m])) > 0.01",
        {"alertmanager_notifications_failed_total", "alertmanager_notifications_total"},
        5 * M,
    ),
    # --- node-exporter mixin
    (
        '(node_filesystem_avail_bytes{job="node",fstype!=""} / node_filesystem_size_bytes'
        '{job="node",fstype!=""} * 100 < 15 and predict_linear(node_filesystem_avail_bytes'
        '{job="node",fstype!=""}[6h], 24*60*60) < 0 and node_filesystem_readonly{job="node",'
        'fstype!=""} == 0)',
        {"node_filesystem_avail_bytes", "node_filesystem_size_bytes", "node_filesystem_readonly"},
        6 * H,
    ),
    (
        '1 - avg without (cpu) (sum without (mode) (rate(node_cpu_seconds_total{job="node", '
        'mode=~"idle|iowait|steal"}[5m])))',
        {"node_cpu_seconds_total"},
        5 * M,
    ),
    (
        "(node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < 10)",
        {"node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"},
        None,
    ),
    (
        "rate(node_vmstat_pgmajfault[5m]) > 500",
        {"node_vmstat_pgmajfault"},
        5 * M,
    ),
    (
        "increase(node_network_receive_errs_total[2m]) / rate(node_network_receive_packets_total"
        "[2m]) > 0.01",
        {"node_network_receive_errs_total", "node_network_receive_packets_total"},
        2 * M,
    ),
    (
        "abs(node_timex_offset_seconds) > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0",
        {"node_timex_offset_seconds"},
        5 * M,
    ),
    (
        "min_over_time(node_timex_sync_status[5m]) == 0 and node_timex_maxerror_seconds >= 16",
        {"node_timex_sync_status", "node_timex_maxerror_seconds"},
        5 * M,
    ),
    (
        'node_md_disks{state="failed"} > 0',
        {"node_md_disks"},
        None,
    ),
    (
        "(node_filefd_allocated / node_filefd_maximum * 100) > 70",
        {"node_filefd_allocated", "node_filefd_maximum"},
        None,
    ),
    (
        "sum(node_load1) by (instance) / "
        'count(node_cpu_seconds_total{mode="idle"}) by (instance) > 2',
        {"node_load1", "node_cpu_seconds_total"},
        None,
    ),
    (
        'node_systemd_unit_state{state="failed"} == 1',
        {"node_systemd_unit_state"},
        None,
    ),
    # --- etcd, CoreDNS, blackbox, Go runtime
    (
        "histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])) > 0.5",
        {"etcd_disk_wal_fsync_duration_seconds_bucket"},
        5 * M,
    ),
    (
        'max without (endpoint) (sum without (instance) (up{job=~".*etcd.*"} == bool 0) or '
        "count without (To) (sum without (instance) (rate(etcd_network_peer_sent_failures_total"
        '{job=~".*etcd.*"}[120s])) > 0.01)) > 0',
        {"up", "etcd_network_peer_sent_failures_total"},
        timedelta(seconds=120),
    ),
    (
        "increase((max without (instance) (etcd_server_leader_changes_seen_total))[15m:1m]) >= 4",
        {"etcd_server_leader_changes_seen_total"},
        15 * M,
    ),
    (
        'sum(rate(coredns_dns_responses_total{rcode="SERVFAIL"}[5m])) by (instance) / '
        "sum(rate(coredns_dns_responses_total[5m])) by (instance) > 0.03",
        {"coredns_dns_responses_total"},
        5 * M,
    ),
    (
        'avg_over_time(probe_success{job="blackbox"}[5m]) * 100 < 90',
        {"probe_success"},
        5 * M,
    ),
    (
        "probe_ssl_earliest_cert_expiry - time() < 86400 * 14",
        {"probe_ssl_earliest_cert_expiry"},
        None,
    ),
    (
        "probe_http_status_code <= 199 or probe_http_status_code >= 400",
        {"probe_http_status_code"},
        None,
    ),
    (
        "go_goroutines > 10000 and deriv(go_goroutines[30m]) > 0",
        {"go_goroutines"},
        30 * M,
    ),
    (
        "rate(go_gc_duration_seconds_sum[5m]) / rate(go_gc_duration_seconds_count[5m])",
        {"go_gc_duration_seconds_sum", "go_gc_duration_seconds_count"},
        5 * M,
    ),
    (
        "process_resident_memory_bytes / on(instance) group_left machine_memory_bytes > 0.8",
        {"process_resident_memory_bytes", "machine_memory_bytes"},
        None,
    ),
    # --- operators, aggregations, literals: the grammar's corners
    ("topk(5, sum by (handler) (rate(http_requests_total[5m])))", {"http_requests_total"}, 5 * M),
    ("bottomk(3, x)", {"x"}, None),
    ('count_values("version", build_info)', {"build_info"}, None),
    ("quantile by (job) (0.9, x)", {"x"}, None),
    ("stddev(x) + stdvar(x)", {"x"}, None),
    ("group by (job) (up)", {"up"}, None),
    ("sum by (a) (x) / on (a) group_right (b) sum by (a, b) (y)", {"x", "y"}, None),
    ("x % 3 == bool 0", {"x"}, None),
    ("2 ^ 3 ^ 2 * x", {"x"}, None),
    ("-x + +1", {"x"}, None),
    ("x atan2 y", {"x", "y"}, None),
    ("x != bool y", {"x", "y"}, None),
    ("0x1F * x", {"x"}, None),
    ("1e3 * x", {"x"}, None),
    ("x > Inf or x < -Inf or x != NaN", {"x"}, None),
    ('{__name__="http_requests_total", job="a"}', {"http_requests_total"}, None),
    ('{__name__=~"http_.+_total"}', {""}, None),
    ('x{a=~"b|c", d!~"e.*", f!="g", h=""}', {"x"}, None),
    ("x{a='single quoted'}", {"x"}, None),
    ("x{a=`raw \\string`}", {"x"}, None),
    ("sort_desc(sum by (job) (up))", {"up"}, None),
    ("clamp_max(clamp_min(x, 0), 1)", {"x"}, None),
    ("round(x, 0.5) + ceil(x) + floor(x) + abs(x) + sqrt(x) + ln(x) + exp(x)", {"x"}, None),
    ("day_of_week() == 6 and hour() > 8", set(), None),
    ("timestamp(up) - time()", {"up"}, None),
    ("scalar(sum(up)) * vector(2)", {"up"}, None),
    ("sgn(x) * log2(x) + log10(x)", {"x"}, None),
    ("sum(rate(x_total[5m])) by (le) # a trailing comment", {"x_total"}, 5 * M),
    # keywords are label names too
    ("sum by (group) (x)", {"x"}, None),
    ('x{on="a", by="b"}', {"x"}, None),
    ("max without (bool, offset) (x)", {"x"}, None),
    ('x{le="+Inf"} unless on() y', {"x", "y"}, None),
    ("min_over_time((x - y)[5m:])", {"x", "y"}, 5 * M),
    ("sum_over_time(x[5m] offset 1m @ 100)", {"x"}, 5 * M),
]

# Valid in Prometheus 3 only: the promtool here (2.42) refuses them, so golive alone is
# asserted (UTF-8 quoted metric and label names).
PROMETHEUS_3 = [
    ('{"http.server.requests", job="a"}', {"http.server.requests"}, None),
    ('sum by ("k8s.pod.name") (rate({"http.requests.total"}[5m]))', {"http.requests.total"}, 5 * M),
    ('x{"service.name"="api"}', {"x"}, None),
]


def _longest(node: promql.Node) -> timedelta | None:
    found: list[timedelta] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, promql.Selector) and n.range is not None:
            found.append(n.range)
        if isinstance(n, promql.Subquery):
            found.append(n.range)
        stack.extend(promql.children(n))
    return max(found, default=None)


def test_the_corpus_holds_at_least_100_expressions() -> None:
    assert len(CORPUS) + len(PROMETHEUS_3) >= 100


@pytest.mark.parametrize(("expr", "names", "longest"), CORPUS + PROMETHEUS_3)
def test_golive_reads_what_each_expression_reads(
    expr: str, names: set[str], longest: timedelta | None
) -> None:
    node = promql.parse(expr)
    assert {s.name for s in promql.selectors(node)} == names
    if longest is not None:
        assert _longest(node) == longest


def test_promtool_accepts_every_expression_of_the_corpus(promtool: str, tmp_path: Path) -> None:
    rules = [{"record": f"golive:corpus:{i}", "expr": e} for i, (e, _, _) in enumerate(CORPUS)]
    (tmp_path / "corpus.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "c", "rules": rules}]})
    )
    run = subprocess.run(
        [promtool, "check", "rules", str(tmp_path / "corpus.yml")], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(
    "expr",
    [
        "rate(x[5m]",
        "sum(rate(a[5m])) +",
        "x{a=b}",
        "rate(x[5m])[1h:5m",
        "ratez(x[5m])",
        "x[5m] + 1 +",
    ],
)
def test_invalid_promql_is_refused_with_the_expression(expr: str) -> None:
    with pytest.raises(promql.PromQLError, match="cannot parse"):
        promql.parse(expr)
