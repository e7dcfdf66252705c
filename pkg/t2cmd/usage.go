package t2cmd

const usageText = `Tranalyzer 0.9.3 - High performance flow based network traffic analyzer (t2go)

Usage:
    t2 [OPTION...] <INPUT>

Input arguments:
    -i IFACE     Listen on interface IFACE
    -r PCAP      Read packets from PCAP file or from stdin if PCAP is "-"
                 (pcap, pcapng, optionally gzip-compressed)
    -R FILE      Process every PCAP file listed in FILE
    -D EXPR[:SCHR][,STOP]
                 Process numbered PCAP files matching EXPR (e.g.
                 "dump*.pcap00") as they appear, up to the optional last
                 index STOP. SCHR is the text before the index (default 'p')

Output arguments:
    -w PREFIX    Prefix of every output file (default: derived from the
                 input). '-w -' writes the flow file to stdout and forces -l
                 and -m
    -W PREFIX[:SIZE][,START]
                 Like -w, but split the flow file every SIZE bytes (K, M, G
                 suffixes and 1e5 notation accepted; a trailing 'f' counts
                 flows), numbering files from START
    -l           Print the end report in PREFIX_log.txt instead of stdout
    -m           Print monitoring output in PREFIX_monitoring.txt instead of stdout
    -s           Packet forensics mode (PREFIX_packets.txt)

Interface capture arguments:
    -S SNAPLEN   Set the snapshot length (used with -i option)
    -B BUFSIZE   Set the live Rx buffer size (used with -i option; with -j,
                 of each worker's ring)
    -j N         Capture with N packet workers (AF_PACKET fanout, Linux;
                 default WORKERS, 1 = libpcap)

Optional arguments:
    -p PATH      Plugin folder: plugins.txt, proto.txt and NAME.toml overrides
                 are read from PATH first, then from ~/.tranalyzer
    -b FILE      Use plugin list FILE instead of plugin_folder/plugins.txt
    -f FACTOR    Set hash multiplication factor
    -x ID        Sensor ID
    -c CPU       Bind t2 to core CPU (1-based). If CPU is 0 the current core.
                 A list (1,2 or 1-4) pins worker i to the i-th core
    -P PRIO      Set t2 priority (nice value) to PRIO instead of 0
                 (PRIO [highest, lowest]: [-20, 20] (root), [0, 20] (user))
    -M FLT       Set the monitoring (wall-clock timer) interval to FLT seconds
    -F FILE      Read BPF filter from FILE
    --prom-addr HOST:PORT
                 Serve the monitoring counters at http://HOST:PORT/metrics
                 for Prometheus (setting MON_PROM_ADDR)

Help and documentation arguments:
    -V           Show the version of the program and exit
    -h           Show help options and exit

Remaining arguments:
    BPF          Berkeley Packet Filter command, as in tcpdump

Settings are read from $T2_HOME, else ~/.tranalyzer. Under sudo, ~ is the
home of the user who ran sudo (SUDO_USER's passwd entry), not root's, and
output files are never written through symbolic links.
`
