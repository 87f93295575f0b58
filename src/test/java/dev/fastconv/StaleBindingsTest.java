package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fails when the generated bindings in {@code dev.fastconv.ffi} (or the include list in
 * {@code jextract/fastconv.args}) no longer match {@code native/include/fastconv.h}: after changing
 * the header, run {@code scripts/jextract.sh --update-includes}. Never loads the native library:
 * classes are looked up without being initialized and only struct layouts (pure Java) are built.
 */
class StaleBindingsTest {

    private static final String FFI_PACKAGE = "dev.fastconv.ffi";
    private static final String HEADER_CLASS = FFI_PACKAGE + ".FastConvFFI";
    private static final String REGENERATE = "; regenerate with scripts/jextract.sh --update-includes";

    private static Path root;
    private static String header; // comments stripped

    @BeforeAll
    static void readHeader() throws IOException {
        String prop = System.getProperty("fastconv.root");
        root = (prop == null || prop.isBlank() ? Path.of("") : Path.of(prop)).toAbsolutePath();
        Path h = root.resolve("native/include/fastconv.h");
        assertTrue(Files.isRegularFile(h), "no header at " + h + " (set -Dfastconv.root=<repo root>)");
        header = stripComments(Files.readString(h));
    }

    private static String stripComments(String c) {
        return c.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    }

    /** Every function declared {@code FC_API <type> fc_xxx(...)} in the header, in order. */
    static Set<String> headerFunctions() {
        Matcher m = Pattern.compile("\\bFC_API\\s+[^;(#]*?\\b(fc_\\w+)\\s*\\(").matcher(header);
        Set<String> names = new LinkedHashSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Field names of {@code typedef struct name { ... } name;} in the header. */
    static List<String> headerStructFields(String struct) {
        Matcher m = Pattern.compile("\\bstruct\\s+" + struct + "\\s*\\{([^}]*)\\}").matcher(header);
        assertTrue(m.find(), "struct " + struct + " not found in fastconv.h");
        List<String> fields = new ArrayList<>();
        for (String decl : m.group(1).split(";")) {
            Matcher f = Pattern.compile("(\\w+)\\s*(\\[[^]]*\\]\\s*)*$").matcher(decl.strip());
            if (!decl.isBlank() && f.find()) {
                fields.add(f.group(1));
            }
        }
        return fields;
    }

    private static Class<?> ffiClass(String name) {
        try {
            // initialize=false: nothing of the native library is touched
            return Class.forName(name, false, StaleBindingsTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return fail("generated class " + name + " is missing" + REGENERATE);
        }
    }

    @Test
    void headerDeclaresFunctions() {
        Set<String> fns = headerFunctions();
        assertTrue(fns.size() >= 30, "parsed only " + fns.size() + " FC_API functions from fastconv.h: " + fns);
        assertTrue(fns.containsAll(List.of("fc_version", "fc_last_error", "fc_conv_forward",
                "fc_conv_plan_create", "fc_device_get_info")), "parser missed known functions: " + fns);
    }

    @Test
    void headerClassHasEveryFunction() {
        Class<?> ffi = ffiClass(HEADER_CLASS);
        Set<String> generated = Arrays.stream(ffi.getMethods())
                .filter(m -> Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers()))
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> declared = headerFunctions();

        List<String> missing = declared.stream().filter(f -> !generated.contains(f)).toList();
        assertTrue(missing.isEmpty(), "functions declared in fastconv.h but missing from " + HEADER_CLASS
                + ": " + missing + REGENERATE);

        List<String> stale = generated.stream()
                .filter(n -> n.matches("fc_\\w+") && !n.contains("$") && !declared.contains(n))
                .toList();
        assertTrue(stale.isEmpty(), HEADER_CLASS + " has functions no longer in fastconv.h: " + stale
                + REGENERATE);
    }

    @Test
    void argfileIncludesEveryFunction() throws IOException {
        Path args = root.resolve("jextract/fastconv.args");
        assertTrue(Files.isRegularFile(args), "missing " + args);
        Set<String> included = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*--include-function\\s+(\\w+)").matcher(Files.readString(args));
        while (m.find()) {
            included.add(m.group(1));
        }
        Set<String> declared = headerFunctions();
        List<String> missing = declared.stream().filter(f -> !included.contains(f)).toList();
        assertTrue(missing.isEmpty(), "jextract/fastconv.args does not --include-function " + missing + REGENERATE);
        List<String> extra = included.stream().filter(f -> !declared.contains(f)).toList();
        assertTrue(extra.isEmpty(), "jextract/fastconv.args includes functions not in fastconv.h: " + extra
                + REGENERATE);
    }

    @Test
    void structLayoutsMatchHeader() throws ReflectiveOperationException {
        for (String struct : List.of("fc_conv_desc", "fc_device_info")) {
            Class<?> c = ffiClass(FFI_PACKAGE + "." + struct);
            Method layout = c.getMethod("layout");
            assertTrue(Modifier.isStatic(layout.getModifiers()), struct + ".layout() is not static");
            // Building the layout is pure Java (no native symbol is looked up).
            GroupLayout g = (GroupLayout) layout.invoke(null);
            assertEquals(struct, g.name().orElse(null), "layout name of " + struct);
            List<String> members = g.memberLayouts().stream()
                    .map(MemoryLayout::name).flatMap(java.util.Optional::stream).toList();
            List<String> fields = headerStructFields(struct);
            assertFalse(fields.isEmpty(), "parsed no fields of " + struct);
            assertEquals(fields, members, "fields of " + struct + " in fastconv.h vs the generated layout"
                    + REGENERATE);
        }
    }
}
