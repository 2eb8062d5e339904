import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        // read n, q, the n values and q queries l r; print for each query how many values lie in [l, r]
    }
}
