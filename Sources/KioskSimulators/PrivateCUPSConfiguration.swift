/// The files a private CUPS runs with.
enum PrivateCUPSConfiguration {
    /// cupsd.conf: listen only on the Unix socket, no browsing or web interface, keep job history (the licence
    /// printer reads finished jobs), retry quickly, allow local clients (the socket's file mode is the guard).
    static func cupsdConf(socket: String) -> String {
        """
        Listen \(socket)
        LogLevel info
        Browsing No
        WebInterface No
        DefaultAuthType None
        PreserveJobHistory Yes
        PreserveJobFiles No
        JobRetryInterval 2
        JobRetryLimit 2
        MaxJobTime 120
        <Location />
          Order allow,deny
          Allow all
        </Location>
        <Policy default>
          <Limit All>
            Order deny,allow
          </Limit>
        </Policy>

        """
    }

    /// cups-files.conf: everything under `root`; filters run as lp; root may administer.
    static func cupsFilesConf(root: String) -> String {
        """
        ServerRoot \(root)
        RequestRoot \(root)/spool
        TempDir \(root)/tmp
        CacheDir \(root)/cache
        StateDir \(root)/state
        ErrorLog stderr
        AccessLog \(root)/access_log
        PageLog \(root)/page_log
        User lp
        Group lp
        SystemGroup root

        """
    }

    /// ippeveprinter attributes: A3 and A4 loaded, PDF accepted (without these an A3 job is refused,
    /// docs/device-protocols.md §6). `media-size-supported` lets cupsd build an IPP Everywhere PPD and lets
    /// ippeveprinter accept the `media-col` that cupsd then sends; `image/pwg-raster` is left out because, without its
    /// resolution attributes, cupsd refuses to make a PPD at all (seen on CUPS 2.4.2).
    static let printerAttributes = """
        ATTR keyword media-supported iso_a3_297x420mm,iso_a4_210x297mm
        ATTR keyword media-ready iso_a3_297x420mm,iso_a4_210x297mm
        ATTR keyword media-default iso_a4_210x297mm
        ATTR collection media-size-supported {MEMBER integer x-dimension 29700 MEMBER integer y-dimension 42000},{MEMBER integer x-dimension 21000 MEMBER integer y-dimension 29700}
        ATTR mimeMediaType document-format-supported application/pdf,application/octet-stream

        """

    /// The print command ippeveprinter runs per job (`-c`): reads the fault file, reports printer state on
    /// stderr (`STATE: +media-empty-error`), logs what it did, and exits 0 (printed) or 1 (failed).
    static func printCommand(directory: String) -> String {
        """
        #!/bin/sh
        # Simulated licence printer engine for kioskd's private CUPS; see PrivateCUPSFault.
        PATH=/usr/bin:/bin
        dir='\(directory)'
        fault=$(cat "$dir/fault" 2>/dev/null)
        case "$fault" in
          media-empty)
            echo "$fault $1" >> "$dir/printed.log"
            echo "STATE: +media-empty-error" >&2
            echo "ERROR: out of licence paper" >&2
            exit 1 ;;
          media-jam)
            echo "$fault $1" >> "$dir/printed.log"
            echo "STATE: +media-jam-error" >&2
            echo "ERROR: paper jam" >&2
            exit 1 ;;
          failing-exit)
            echo "$fault $1" >> "$dir/printed.log"
            exit 1 ;;
          hold)
            echo "held $1" >> "$dir/printed.log"
            i=0
            while [ $i -lt 1200 ] && [ ! -e "$dir/release" ]; do sleep 0.05; i=$((i+1)); done ;;
        esac
        echo "STATE: -media-empty-error,media-jam-error" >&2
        echo "printed $1" >> "$dir/printed.log"
        exit 0

        """
    }
}
