import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        // read n, t and the n numbers; print the two 0-based positions i < j whose values sum to t
    }
}
