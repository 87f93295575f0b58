package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/** The jar is the module dev.fastconv and exports only the API package. */
class ModuleDescriptorTest {

    @Test
    void exportsOnlyTheApiPackage() throws Exception {
        Path mi = Path.of(System.getProperty("fastconv.root", "."), "target", "classes", "module-info.class");
        assertTrue(Files.isRegularFile(mi), mi + " missing");
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(mi)) {
            d = ModuleDescriptor.read(in);
        }
        assertEquals("dev.fastconv", d.name());
        Set<String> exported = new TreeSet<>();
        d.exports().forEach(e -> {
            assertTrue(e.targets().isEmpty(), "qualified export " + e);
            exported.add(e.source());
        });
        assertEquals(Set.of("dev.fastconv"), exported);
        assertTrue(d.opens().isEmpty(), "opens " + d.opens());
        assertTrue(d.requires().stream().allMatch(r -> r.name().equals("java.base")), "requires " + d.requires());
    }
}
