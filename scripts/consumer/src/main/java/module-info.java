/** A service-like user of fastconv: only the exported API package is visible. */
module consumer {
    requires dev.fastconv;
}
